"""The local-directory object store, the embedded default: objects as files under a root."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from stat import S_ISREG
from typing import BinaryIO

from marquee.kit.storage.store import (
    CHUNK_SIZE,
    ObjectInfo,
    ObjectNotFound,
    check_key,
    check_prefix,
    check_range,
)

TEMP_PREFIX = ".marquee-part-"


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk


class LocalObjectStore:
    """Objects as files under ``root``; the embedded default.

    A put writes a temporary file in the target's directory, fsyncs it and renames it over the
    key (``os.replace``), so readers see the old object or the new one, never half of one. The
    etag is derived from the file's inode, size and modification time rather than a content
    hash: it costs no extra read of multi-GB sources and changes whenever an object is replaced,
    because every put creates a new file. Content types are not stored; the edge derives them
    from the key's extension.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def local_path(self, key: str) -> Path:
        """The file holding the object (the edge serves it with sendfile); raises ObjectNotFound."""
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        return path

    def put(self, key: str, stream: BinaryIO, *, content_type: str | None = None) -> ObjectInfo:
        return self._write(key, lambda out: shutil.copyfileobj(stream, out, CHUNK_SIZE))

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> ObjectInfo:
        return self._write(key, lambda out: out.write(data))

    def upload_from(self, path: str, key: str, *, content_type: str | None = None) -> ObjectInfo:
        """Copy, not hardlink: a caller rewriting its file later must not change the object."""
        with open(path, "rb") as source:
            return self.put(key, source)

    def get(self, key: str) -> Iterator[bytes]:
        return _chunks(self._open(key))

    def get_bytes(self, key: str) -> bytes:
        with self._open(key) as handle:
            return handle.read()

    def get_range(self, key: str, start: int, end: int) -> bytes:
        """End is clamped to the last byte; a start past the end gives ``b""``."""
        check_range(start, end)
        with self._open(key) as handle:
            handle.seek(start)
            return handle.read(end - start + 1)

    def info(self, key: str) -> ObjectInfo:
        try:
            stat = self._path(key).stat()
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        if not S_ISREG(stat.st_mode):
            raise ObjectNotFound(key)
        return _local_info(key, stat)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return
        self._prune(path.parent)

    def delete_prefix(self, prefix: str) -> int:
        keys = [info.key for info in self.list(prefix)]
        for key in keys:
            self.delete(key)
        return len(keys)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        directory, _, start = check_prefix(prefix).rpartition("/")
        for key, stat in self._walk(f"{directory}/" if directory else "", start):
            yield _local_info(key, stat)

    def download_to(self, key: str, path: str) -> None:
        with self._open(key) as source, open(path, "wb") as target:
            shutil.copyfileobj(source, target, CHUNK_SIZE)

    def ping(self) -> None:
        if not self.root.is_dir() or not os.access(self.root, os.W_OK):
            raise OSError(f"object store directory {self.root} is not a writable directory")

    def _path(self, key: str) -> Path:
        check_key(key)
        if any(segment.startswith(TEMP_PREFIX) for segment in key.split("/")):
            raise ValueError(f"object keys may not use the reserved prefix {TEMP_PREFIX!r}")
        return self.root / key

    def _open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectNotFound(key) from None

    def _write(self, key: str, fill: Callable[[BinaryIO], object]) -> ObjectInfo:
        target = self._path(key)
        temp, out = self._open_temp(target.parent)
        try:
            with out:
                fill(out)
                out.flush()
                os.fsync(out.fileno())
                stat = os.fstat(out.fileno())
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return _local_info(key, stat)

    def _open_temp(self, directory: Path) -> tuple[Path, BinaryIO]:
        """A new temporary file beside the target; retried because a delete may prune the
        directory between ``mkdir`` and ``open``."""
        temp = directory / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
        for _ in range(3):
            directory.mkdir(parents=True, exist_ok=True)
            try:
                return temp, open(temp, "xb")
            except FileNotFoundError:
                continue
        raise OSError(f"could not create a temporary file in {directory}")

    def _prune(self, directory: Path) -> None:
        """Remove directories left empty, up to the root, so listings stay fast."""
        while directory != self.root:
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent

    def _walk(self, base: str, start: str = "") -> Iterator[tuple[str, os.stat_result]]:
        """Keys under directory ``base`` whose next segment starts with ``start``, in key order.

        A directory ``d`` sorts as ``d/``: every key below it starts with ``d/``, so visiting
        entries in that order yields keys in exact string (and S3's UTF-8 byte) order.
        """
        try:
            entries = [entry for entry in os.scandir(self.root / base) if _visible(entry, start)]
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in sorted(entries, key=_sort_name):
            key = f"{base}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                yield from self._walk(f"{key}/")
            elif entry.is_file():
                yield key, entry.stat()


def _visible(entry: os.DirEntry[str], start: str) -> bool:
    return entry.name.startswith(start) and not entry.name.startswith(TEMP_PREFIX)


def _sort_name(entry: os.DirEntry[str]) -> str:
    return f"{entry.name}/" if entry.is_dir(follow_symlinks=False) else entry.name


def _local_info(key: str, stat: os.stat_result) -> ObjectInfo:
    etag = f"{stat.st_ino:x}-{stat.st_size:x}-{stat.st_mtime_ns:x}"
    return ObjectInfo(key=key, size=stat.st_size, etag=etag)
