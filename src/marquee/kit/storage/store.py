"""What every object store offers: the ``ObjectStore`` protocol, ``ObjectInfo``,
``ObjectNotFound``, and the rules on keys and byte ranges that both implementations apply, so a
key that works on a laptop works against S3 too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

CHUNK_SIZE = 1024 * 1024


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


def check_range(start: int, end: int) -> None:
    if start < 0 or end < start:
        raise ValueError(f"invalid byte range {start}-{end}")
