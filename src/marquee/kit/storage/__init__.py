"""Object storage: a local directory (embedded default) or any S3 API.

Keys are ``/``-separated relative paths such as ``assets/{asset_id}/manifest.mpd``. Both
stores refuse the same malformed keys (absolute, ``..``, empty segments), so a key that works
on a laptop works against S3 too.

This package's face: what every store offers (``store``), the two stores (``local``, ``s3``) and
:func:`open_object_store`, which opens the one ``MARQUEE_STORAGE_URL`` names.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from marquee.kit.storage.local import LocalObjectStore
from marquee.kit.storage.s3 import S3ObjectStore
from marquee.kit.storage.store import (
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    check_key,
    check_prefix,
)

__all__ = [
    "LocalObjectStore",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStore",
    "S3ObjectStore",
    "check_key",
    "check_prefix",
    "open_object_store",
]

S3_URL_OPTIONS = frozenset({"endpoint_url", "region"})


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
