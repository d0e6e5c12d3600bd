"""Common Encryption (CENC, ``cenc-aes-ctr``) with a content key per quality tier, and the one
place where its ClearKey signalling is written.

ffmpeg encrypts a whole run with one key, the lowest tier's (which the audio keeps); a video
rendition of a higher tier is re-encrypted with its tier's key after the run and its ``tenc``
names that key (:func:`protect_package`). Renditions of one key share an AdaptationSet, so
each set's ``default_KID`` is its renditions' key; each HLS media playlist names its own.

ffmpeg encrypts the samples during packaging (``-format_options``) and writes ``tenc`` with
the key id, but no ``ContentProtection``, no ``pssh`` and no ``EXT-X-KEY``; and it encrypts
every NAL unit after its header byte, SEI and parameter sets included. :func:`protect_package`
fixes both after the run: it re-encrypts the video samples with a layout that leaves NAL
headers and non-VCL NAL units clear (:mod:`marquee.media.cenc`), puts a common-system ``pssh``
(key ids for any CENC key system) in every init segment and signals ClearKey as each player
needs it (docs/media.md, *What each player needs*):

- DASH, per audio/video adaptation set: ``mp4protection`` with ``cenc:default_KID``, and the
  ClearKey system (``e2719d58…``) with its ``dashif:Laurl`` and no ``pssh``. dash.js hands
  whatever ``pssh`` it finds for ClearKey to a ``keyids`` request, which the CDM refuses;
  without one it builds the key ids from ``cenc:default_KID``. No element for the W3C common
  system (``1077efec…``) either, with or without its ``pssh``: dash.js 5 then picks that
  system whenever the application gives ClearKey protection data (its licence headers: any
  authenticated player does) and fails the same way (measured in Chromium). The common
  ``pssh`` is in every init segment, where CENC puts it and players find it.
- HLS, before ``#EXT-X-MAP`` of every media playlist, two keys for the same segments (RFC 8216
  lets tags of different ``KEYFORMAT`` apply together; players use the one they know):
  ``KEYFORMAT="org.w3.clearkey"`` (hls.js: an EME ClearKey licence request) and
  ``KEYFORMAT="identity"`` (Shaka: ``GET`` of the URI answers the raw 16-byte key). Both name
  the session's licence URL, which answers ``POST`` with a ClearKey licence and ``GET`` with
  the raw key of the ``kid`` in the identity URI's query.
"""

from __future__ import annotations

import secrets
import struct
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from marquee.kit.mpd import parse_mpd, tag, write_mpd
from marquee.media import cenc
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
#: HLS key formats: the W3C ClearKey CDM (hls.js), and the raw key at the URI (Shaka).
CLEARKEY_KEY_FORMAT = "org.w3.clearkey"
IDENTITY_KEY_FORMAT = "identity"
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
    def key(self) -> bytes:
        return bytes.fromhex(self.key_hex)

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


def insert_pssh(init_segment: bytes, pssh: bytes) -> bytes:
    """Append ``pssh`` as the last child of ``moov`` and grow moov's size field."""
    for box in cenc.boxes(init_segment):
        if box.kind != b"moov":
            continue
        if box.header == 16:
            new_header = struct.pack(">I4sQ", 1, b"moov", box.size + len(pssh))
        else:
            new_header = struct.pack(">I4s", box.size + len(pssh), b"moov")
        body = init_segment[box.body : box.end]
        return init_segment[: box.start] + new_header + body + pssh + init_segment[box.end :]
    raise MediaError("encrypt", "init segment has no moov box")


def protect_mpd(
    mpd: str,
    key: ContentKey,
    license_url: str = LICENSE_URL_PLACEHOLDER,
    *,
    rendition_keys: dict[str, ContentKey] | None = None,
) -> str:
    """Add the CENC and ClearKey ``ContentProtection`` elements (see the module) to every
    audio and video AdaptationSet: ``default_KID`` the key of its first Representation
    (``rendition_keys`` by Representation id; ``key`` otherwise)."""
    root = parse_mpd(mpd)
    for aset in adaptation_sets(root):
        if aset.get("contentType") in ("video", "audio"):
            first = aset.find(tag("Representation"))
            rep_id = "" if first is None else first.get("id", "")
            _add_content_protection(aset, (rendition_keys or {}).get(rep_id, key), license_url)
    return write_mpd(root)


def _add_content_protection(aset: ET.Element, key: ContentKey, license_url: str) -> None:
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
    aset.insert(0, clearkey)
    aset.insert(0, cenc)


def hls_key_lines(key_uri: str, key: ContentKey) -> list[str]:
    """The ``#EXT-X-KEY`` tags of an encrypted media playlist (see the module). Both URIs name
    the key id, since an asset has one key per tier: Shaka GETs the identity URI for that key,
    and hls.js knows a key by its URI (a second key behind the same URI is never asked for,
    and the variants of that key stall)."""
    uri = quoted(f"{key_uri}?kid={key.kid_hex}")
    return [
        hls_line(
            "EXT-X-KEY", {"METHOD": "SAMPLE-AES-CTR", "KEYFORMAT": quoted(key_format), "URI": uri}
        )
        for key_format in (CLEARKEY_KEY_FORMAT, IDENTITY_KEY_FORMAT)
    ]


def protect_hls_playlist(playlist: str, key: ContentKey, key_uri: str = KEY_URI_PLACEHOLDER) -> str:
    """Put the ``#EXT-X-KEY`` tags before ``#EXT-X-MAP``."""
    lines = []
    for line in playlist.splitlines():
        if line.startswith("#EXT-X-MAP"):
            lines += hls_key_lines(key_uri, key)
        lines.append(line)
    return "\n".join(lines) + "\n"


def representation_id(name: str) -> str:
    """``init-3.m4s`` and ``media_3.m3u8`` → ``3``: ffmpeg names both by Representation id."""
    stem = name.rsplit(".", 1)[0]
    return stem.removeprefix("init-").removeprefix("media_")


def protect_package(
    directory: Path,
    key: ContentKey,
    *,
    mpd_name: str,
    media_playlists: list[str],
    init_segments: list[str],
    media_segments: dict[str, list[str]],
    rendition_keys: dict[str, ContentKey] | None = None,
    license_url: str = LICENSE_URL_PLACEHOLDER,
    key_uri: str = KEY_URI_PLACEHOLDER,
) -> None:
    """Post-process a packaging run encrypted with ``key`` in place: the video samples' layout
    (each init segment's ``media_segments``), re-encrypted with their own key for the
    Representations of ``rendition_keys`` (by id), the MPD, init segments and playlists."""
    keys = rendition_keys or {}
    mpd = directory / mpd_name
    mpd.write_text(protect_mpd(mpd.read_text(), key, license_url, rendition_keys=keys))
    for name in init_segments:
        own = keys.get(representation_id(name), key)
        init = directory / name
        data = init.read_bytes()
        track = cenc.video_track(data)
        if track is not None:
            new_key = None if own == key else own.key
            for segment in media_segments.get(name, []):
                path = directory / segment
                path.write_bytes(cenc.relayer_segment(path.read_bytes(), track, key.key, new_key))
            if new_key is not None:
                data = cenc.with_default_kid(data, own.kid)
        # A video init lists the run's (the audio's) key too: one licence request then covers
        # what plays together (hls.js asks for the first key id the media reports only).
        kids = list(dict.fromkeys([own.kid, key.kid]))
        init.write_bytes(insert_pssh(data, pssh_box(kids)))
    for name in media_playlists:
        own = keys.get(representation_id(name), key)
        playlist = directory / name
        playlist.write_text(protect_hls_playlist(playlist.read_text(), own, key_uri))
