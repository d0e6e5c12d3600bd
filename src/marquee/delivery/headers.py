"""HTTP metadata both the origin and the edges give delivery objects.

Objects under ``assets/{asset_id}/`` never change once published (a new encode is a new asset),
so segments are cacheable for a year; manifests get a short max-age all the same, so that a
republished or withdrawn title is noticed quickly by players.
"""

from __future__ import annotations

import mimetypes
import re
from email.utils import formatdate

from marquee.kit.cors import cors_headers, preflight_headers

MANIFEST_SUFFIXES = (".mpd", ".m3u8")
SEGMENT_CACHE_CONTROL = "public, max-age=31536000, immutable"
MANIFEST_CACHE_CONTROL = "public, max-age=10"
_TYPES = {
    ".mpd": "application/dash+xml",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".m4v": "video/mp4",
    ".ts": "video/mp2t",
    ".vtt": "text/vtt",
}
#: Players read delivery objects across origins (the web app comes from the API's host, segments
#: from an edge's). The token in the path is the grant, so any origin may read, without cookies
#: (the platform's one cross-origin policy, :mod:`marquee.kit.cors`).
CORS_HEADERS = cors_headers(expose=("Content-Length", "Content-Range", "ETag", "X-Cache"))
PREFLIGHT_HEADERS = preflight_headers(
    methods=("GET", "HEAD", "OPTIONS"),
    headers=("Range", "If-Range", "If-None-Match", "If-Modified-Since"),
)
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(ValueError):
    """The Range names no byte of the object (answered with 416)."""


def content_type(key: str) -> str:
    suffix = key[key.rfind(".") :].lower() if "." in key.rpartition("/")[2] else ""
    return _TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def cache_control(key: str) -> str:
    return MANIFEST_CACHE_CONTROL if key.endswith(MANIFEST_SUFFIXES) else SEGMENT_CACHE_CONTROL


def http_date(timestamp: float) -> str:
    return formatdate(timestamp, usegmt=True)


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive ``(start, end)`` of a single-range ``Range`` header, clamped to the object.

    ``None`` means "send the whole object": no header, a unit other than bytes, or several
    ranges (a server may ignore a Range it does not support, RFC 9110 §14.2).
    """
    found = _RANGE.match(header.strip()) if header else None
    if found is None:
        return None
    first, last = found[1], found[2]
    if not first and not last:
        return None
    if not first:
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end or (not first and int(last) == 0):
        raise RangeNotSatisfiable(f"bytes {header!r} of an object of {size} bytes")
    return start, end
