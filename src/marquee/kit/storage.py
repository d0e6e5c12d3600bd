"""Object storage: a local directory (embedded default) or any S3 API.

Keys are ``/``-separated relative paths such as ``assets/{asset_id}/manifest.mpd``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol


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

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> ObjectInfo: ...

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

    def upload_from(self, path: str, key: str, *, content_type: str | None = None) -> ObjectInfo: ...

    def ping(self) -> None:
        """Raise if the store cannot be reached."""


def open_object_store(url: str) -> ObjectStore:
    """The store for ``file:///dir`` or ``s3://bucket?endpoint_url=…&region=…``."""
    raise NotImplementedError
