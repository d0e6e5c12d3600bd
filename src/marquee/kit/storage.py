"""Object storage: a local directory (embedded default) or any S3 API.

Keys are ``/``-separated relative paths such as ``assets/{asset_id}/manifest.mpd``. Both
stores refuse the same malformed keys (absolute, ``..``, empty segments), so a key that works
on a laptop works against S3 too.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, BinaryIO, Protocol, cast
from urllib.parse import parse_qsl, unquote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from botocore.response import StreamingBody
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.literals import BucketLocationConstraintType
    from mypy_boto3_s3.type_defs import ListObjectsV2OutputTypeDef, ObjectIdentifierTypeDef

CHUNK_SIZE = 1024 * 1024
TEMP_PREFIX = ".marquee-part-"
DEFAULT_CONTENT_TYPE = "application/octet-stream"
S3_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
S3_URL_OPTIONS = frozenset({"endpoint_url", "region"})


class ObjectNotFound(KeyError):
    """No object is stored under the key."""


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: str


class ObjectStore(Protocol):
    def put(self, key: str, stream: BinaryIO, *, content_type: str | None = None) -> ObjectInfo:
        """Store the stream's bytes under ``key`` without reading it whole into memory."""

    def put_bytes(
        self, key: str, data: bytes, *, content_type: str | None = None
    ) -> ObjectInfo: ...

    def get(self, key: str) -> Iterator[bytes]:
        """The object's bytes in chunks; raises ObjectNotFound."""

    def get_bytes(self, key: str) -> bytes: ...

    def get_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``start`` to ``end`` inclusive, like an HTTP Range; raises ObjectNotFound."""

    def info(self, key: str) -> ObjectInfo:
        """Size and etag; raises ObjectNotFound."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""

    def delete_prefix(self, prefix: str) -> int: ...

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects whose key starts with ``prefix``, in key order."""

    def download_to(self, key: str, path: str) -> None:
        """Copy the object to a local file (workers read sources this way)."""

    def upload_from(
        self, path: str, key: str, *, content_type: str | None = None
    ) -> ObjectInfo: ...

    def ping(self) -> None:
        """Raise if the store cannot be reached."""


def check_key(key: str) -> str:
    """Return ``key`` if it is a relative ``/``-separated path that stays inside the store."""
    if not key or key.startswith("/") or "\\" in key or "\0" in key:
        raise ValueError(f"invalid object key {key!r}")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise ValueError(f"invalid object key {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    """Return ``prefix`` if its complete segments are valid; the last one may be partial."""
    if prefix.startswith("/") or "\\" in prefix or "\0" in prefix:
        raise ValueError(f"invalid object key prefix {prefix!r}")
    head = prefix.rpartition("/")[0]
    if head:
        check_key(head)
    return prefix


def _check_range(start: int, end: int) -> None:
    if start < 0 or end < start:
        raise ValueError(f"invalid byte range {start}-{end}")


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
        _check_range(start, end)
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


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


@contextmanager
def _missing_as_not_found(key: str) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        if _error_code(error) in S3_MISSING_CODES:
            raise ObjectNotFound(key) from error
        raise


class S3ObjectStore:
    """Objects in one bucket of any S3 API (AWS, MinIO, Ceph, moto...), through boto3.

    Credentials come from boto3's standard chain (environment, shared config, instance role).
    Opening a store never creates its bucket; :meth:`create_bucket` does, when asked.
    """

    def __init__(
        self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None
    ) -> None:
        self.bucket = bucket
        self.region = region
        config = Config(retries={"mode": "standard"})
        if endpoint_url:
            # Self-hosted S3 servers rarely resolve bucket subdomains; path style works everywhere.
            config = config.merge(Config(s3={"addressing_style": "path"}))
        self._client: S3Client = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region, config=config
        )

    def create_bucket(self) -> None:
        """Create the bucket if it is missing (used by tests and ``marquee doctor``)."""
        try:
            if self.region and self.region != "us-east-1":
                self._client.create_bucket(
                    Bucket=self.bucket,
                    CreateBucketConfiguration={"LocationConstraint": _location(self.region)},
                )
            else:
                self._client.create_bucket(Bucket=self.bucket)
        except ClientError as error:
            if _error_code(error) != "BucketAlreadyOwnedByYou":
                raise

    def put(self, key: str, stream: BinaryIO, *, content_type: str | None = None) -> ObjectInfo:
        """Multipart upload for large streams; an interrupted one is aborted, not published."""
        self._client.upload_fileobj(
            stream, self.bucket, check_key(key), ExtraArgs=_extra_args(content_type)
        )
        return self.info(key)

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> ObjectInfo:
        response = self._client.put_object(
            Bucket=self.bucket,
            Key=check_key(key),
            Body=data,
            ContentType=content_type or DEFAULT_CONTENT_TYPE,
        )
        return ObjectInfo(key=key, size=len(data), etag=response["ETag"].strip('"'))

    def upload_from(self, path: str, key: str, *, content_type: str | None = None) -> ObjectInfo:
        self._client.upload_file(
            path, self.bucket, check_key(key), ExtraArgs=_extra_args(content_type)
        )
        return self.info(key)

    def get(self, key: str) -> Iterator[bytes]:
        with _missing_as_not_found(key):
            body = self._client.get_object(Bucket=self.bucket, Key=check_key(key))["Body"]
        return self._stream(body)

    def get_bytes(self, key: str) -> bytes:
        return b"".join(self.get(key))

    def get_range(self, key: str, start: int, end: int) -> bytes:
        """End is clamped to the last byte; a start past the end gives ``b""``."""
        _check_range(start, end)
        try:
            with _missing_as_not_found(key):
                response = self._client.get_object(
                    Bucket=self.bucket, Key=check_key(key), Range=f"bytes={start}-{end}"
                )
        except ClientError as error:
            if _error_code(error) == "InvalidRange":
                return b""
            raise
        with closing(response["Body"]) as body:
            return body.read()

    def info(self, key: str) -> ObjectInfo:
        with _missing_as_not_found(key):
            head = self._client.head_object(Bucket=self.bucket, Key=check_key(key))
        return ObjectInfo(key=key, size=head["ContentLength"], etag=head["ETag"].strip('"'))

    def exists(self, key: str) -> bool:
        try:
            self.info(key)
        except ObjectNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def delete_prefix(self, prefix: str) -> int:
        """Delete in batches of one listing page (up to 1000 keys, one request each)."""
        deleted = 0
        for page in self._pages(prefix):
            keys: list[ObjectIdentifierTypeDef] = [
                {"Key": item["Key"]} for item in page.get("Contents", [])
            ]
            if not keys:
                continue
            response = self._client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": keys, "Quiet": True},
            )
            if errors := response.get("Errors"):
                raise OSError(f"could not delete {len(errors)} objects, first: {errors[0]}")
            deleted += len(keys)
        return deleted

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        for page in self._pages(prefix):
            for item in page.get("Contents", []):
                yield ObjectInfo(key=item["Key"], size=item["Size"], etag=item["ETag"].strip('"'))

    def download_to(self, key: str, path: str) -> None:
        with _missing_as_not_found(key):
            self._client.download_file(self.bucket, check_key(key), path)

    def ping(self) -> None:
        self._client.head_bucket(Bucket=self.bucket)

    def _pages(self, prefix: str) -> Iterator[ListObjectsV2OutputTypeDef]:
        paginator = self._client.get_paginator("list_objects_v2")
        yield from paginator.paginate(Bucket=self.bucket, Prefix=check_prefix(prefix))

    @staticmethod
    def _stream(body: StreamingBody) -> Iterator[bytes]:
        with closing(body):
            yield from body.iter_chunks(CHUNK_SIZE)


def _location(region: str) -> BucketLocationConstraintType:
    """Self-hosted S3 servers accept region names that AWS's list of literals does not."""
    return cast("BucketLocationConstraintType", region)


def _extra_args(content_type: str | None) -> dict[str, str]:
    return {"ContentType": content_type or DEFAULT_CONTENT_TYPE}


def open_object_store(url: str) -> ObjectStore:
    """The store for ``file:///dir`` or ``s3://bucket?endpoint_url=…&region=…``."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return _local_from_url(url)
    if parts.scheme == "s3":
        return _s3_from_url(url)
    raise ValueError(
        f"MARQUEE_STORAGE_URL must start with file:// or s3://, not {parts.scheme or '(none)'!r}"
    )


def _local_from_url(url: str) -> LocalObjectStore:
    parts = urlsplit(url)
    path = unquote(parts.path)
    if parts.netloc not in ("", "localhost") or not path.startswith("/"):
        raise ValueError(f"MARQUEE_STORAGE_URL needs an absolute path (file:///dir), got {url!r}")
    return LocalObjectStore(Path(path))


def _s3_from_url(url: str) -> S3ObjectStore:
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if not parts.netloc or parts.path not in ("", "/"):
        raise ValueError("MARQUEE_STORAGE_URL must look like s3://BUCKET?endpoint_url=…&region=…")
    if unknown := options.keys() - S3_URL_OPTIONS:
        raise ValueError(f"MARQUEE_STORAGE_URL has unknown options: {', '.join(sorted(unknown))}")
    return S3ObjectStore(
        parts.netloc, endpoint_url=options.get("endpoint_url"), region=options.get("region")
    )
