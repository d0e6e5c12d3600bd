"""Common Encryption (CENC, ``cenc-aes-ctr``) with one content key per title.

ffmpeg encrypts the samples during packaging (``-format_options``) and writes ``tenc`` with
the key id, but no ``ContentProtection``, no ``pssh`` and no ``EXT-X-KEY``: those are added
here after the run.
"""

from __future__ import annotations

import base64
import secrets
import struct
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from marquee.kit.mpd import parse_mpd, tag, write_mpd
from marquee.media.ffmpeg import MediaError
from marquee.media.manifest import (
    adaptation_sets,
    hls_line,
    quoted,
)

#: W3C "common" PSSH system id: the box lists key ids for any CENC key system (ClearKey).
COMMON_SYSTEM_ID = uuid.UUID("1077efec-c0b2-4d02-ace3-3c1e52e2fb4b")
CLEARKEY_SYSTEM_ID = uuid.UUID("e2719d58-a985-b3c9-781a-b030af78d30e")
MP4PROTECTION_SCHEME = "urn:mpeg:dash:mp4protection:2011"
#: Replaced by the playback service with the session's licence / key URL. The ``.invalid``
#: top-level domain never resolves, so an unfilled manifest fails fast.
LICENSE_URL_PLACEHOLDER = "https://license.invalid/clearkey"
KEY_URI_PLACEHOLDER = "https://license.invalid/key"


class ContentKey(BaseModel):
    """A 128-bit AES key and its key id, both as 32 hex digits."""

    model_config = ConfigDict(frozen=True)

    kid_hex: str
    key_hex: str

    @property
    def kid(self) -> bytes:
        return bytes.fromhex(self.kid_hex)

    @property
    def kid_uuid(self) -> str:
        return str(uuid.UUID(bytes=self.kid))


def new_content_key() -> ContentKey:
    """A random key and a random (version 4 UUID) key id."""
    return ContentKey(kid_hex=uuid.uuid4().hex, key_hex=secrets.token_hex(16))


def ffmpeg_encryption_options(key: ContentKey) -> str:
    """The mp4 muxer options to pass through ``-format_options`` (dash muxer)."""
    return (
        f"encryption_scheme=cenc-aes-ctr:encryption_key={key.key_hex}:encryption_kid={key.kid_hex}"
    )


def pssh_box(kids: list[bytes], system_id: uuid.UUID = COMMON_SYSTEM_ID) -> bytes:
    """A version 1 ``pssh`` box listing ``kids`` with empty data (ISO/IEC 23001-7 8.1)."""
    body = struct.pack(">B3x", 1) + system_id.bytes + struct.pack(">I", len(kids))
    body += b"".join(kids) + struct.pack(">I", 0)
    return struct.pack(">I4s", 8 + len(body), b"pssh") + body


def _boxes(data: bytes) -> list[tuple[bytes, int, int, int]]:
    """Top-level boxes as (type, start, header size, total size)."""
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:
            size = len(data) - offset
        if size < header:
            raise MediaError("encrypt", f"corrupt box {kind!r} at byte {offset}")
        boxes.append((kind, offset, header, size))
        offset += size
    return boxes


def insert_pssh(init_segment: bytes, pssh: bytes) -> bytes:
    """Append ``pssh`` as the last child of ``moov`` and grow moov's size field."""
    for kind, start, header, size in _boxes(init_segment):
        if kind != b"moov":
            continue
        if header == 16:
            new_header = struct.pack(">I4sQ", 1, b"moov", size + len(pssh))
        else:
            new_header = struct.pack(">I4s", size + len(pssh), b"moov")
        end = start + size
        body = init_segment[start + header : end]
        return init_segment[:start] + new_header + body + pssh + init_segment[end:]
    raise MediaError("encrypt", "init segment has no moov box")


def protect_mpd(mpd: str, key: ContentKey, license_url: str = LICENSE_URL_PLACEHOLDER) -> str:
    """Add CENC and ClearKey ``ContentProtection`` to every audio/video AdaptationSet."""
    root = parse_mpd(mpd)
    pssh = base64.b64encode(pssh_box([key.kid])).decode()
    for aset in adaptation_sets(root):
        if aset.get("contentType") in ("video", "audio"):
            _add_content_protection(aset, key, license_url, pssh)
    return write_mpd(root)


def _add_content_protection(aset: ET.Element, key: ContentKey, license_url: str, pssh: str) -> None:
    """ContentProtection comes first among an AdaptationSet's children (DASH schema order)."""
    cenc = ET.Element(
        tag("ContentProtection"),
        {
            "schemeIdUri": MP4PROTECTION_SCHEME,
            "value": "cenc",
            tag("default_KID", "cenc"): key.kid_uuid,
        },
    )
    clearkey = ET.Element(
        tag("ContentProtection"),
        {"schemeIdUri": f"urn:uuid:{CLEARKEY_SYSTEM_ID}", "value": "ClearKey1.0"},
    )
    ET.SubElement(clearkey, tag("Laurl", "dashif"), {"licenseType": "EME-1.0"}).text = license_url
    ET.SubElement(clearkey, tag("pssh", "cenc")).text = pssh
    aset.insert(0, clearkey)
    aset.insert(0, cenc)


def protect_hls_playlist(playlist: str, key_uri: str = KEY_URI_PLACEHOLDER) -> str:
    """Put ``#EXT-X-KEY`` (SAMPLE-AES-CTR, identity key format) before ``#EXT-X-MAP``."""
    key_line = hls_line(
        "EXT-X-KEY",
        {"METHOD": "SAMPLE-AES-CTR", "KEYFORMAT": quoted("identity"), "URI": quoted(key_uri)},
    )
    lines = []
    for line in playlist.splitlines():
        if line.startswith("#EXT-X-MAP"):
            lines.append(key_line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def protect_package(
    directory: Path,
    key: ContentKey,
    *,
    mpd_name: str,
    media_playlists: list[str],
    init_segments: list[str],
    license_url: str = LICENSE_URL_PLACEHOLDER,
    key_uri: str = KEY_URI_PLACEHOLDER,
) -> None:
    """Post-process an encrypted packaging run in place (MPD, init segments, playlists)."""
    mpd = directory / mpd_name
    mpd.write_text(protect_mpd(mpd.read_text(), key, license_url))
    pssh = pssh_box([key.kid])
    for name in init_segments:
        init = directory / name
        init.write_bytes(insert_pssh(init.read_bytes(), pssh))
    for name in media_playlists:
        playlist = directory / name
        playlist.write_text(protect_hls_playlist(playlist.read_text(), key_uri))
