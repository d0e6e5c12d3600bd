"""CENC signalling: pssh bytes, init-segment surgery, MPD and HLS post-processing."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET

import pytest

from marquee.kit.mpd import parse_mpd, tag
from marquee.media.encrypt import (
    CLEARKEY_SYSTEM_ID,
    COMMON_SYSTEM_ID,
    ContentKey,
    ffmpeg_encryption_options,
    insert_pssh,
    new_content_key,
    protect_hls_playlist,
    protect_mpd,
    pssh_box,
)
from marquee.media.ffmpeg import MediaError

KEY = ContentKey(kid_hex="0123456789abcdef0123456789abcdef", key_hex="00" * 16)

SAMPLE_MPD = """<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT4.0S">
  <Period id="0" start="PT0.0S">
    <AdaptationSet id="0" contentType="video" segmentAlignment="true">
      <Representation id="0" mimeType="video/mp4" codecs="avc1.64001f" bandwidth="1000"/>
    </AdaptationSet>
    <AdaptationSet id="1" contentType="audio" lang="eng">
      <Representation id="1" mimeType="audio/mp4" codecs="mp4a.40.2" bandwidth="128000"/>
    </AdaptationSet>
    <AdaptationSet id="2" contentType="text" mimeType="text/vtt" lang="en">
      <Representation id="sub0" bandwidth="256"><BaseURL>subtitles-0.vtt</BaseURL></Representation>
    </AdaptationSet>
  </Period>
</MPD>
"""


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def test_pssh_box_bytes() -> None:
    expected = bytes.fromhex(
        "00000034" "70737368" "01000000"  # size 52, 'pssh', version 1, flags 0
        "1077efecc0b24d02ace33c1e52e2fb4b"  # W3C common system id
        "00000001" "0123456789abcdef0123456789abcdef"  # one key id
        "00000000"  # no data
    )  # fmt: skip
    assert pssh_box([KEY.kid]) == expected
    assert pssh_box([KEY.kid])[12:28] == COMMON_SYSTEM_ID.bytes


def test_pssh_goes_last_inside_moov() -> None:
    ftyp = box(b"ftyp", b"iso6\x00\x00\x00\x00")
    moov = box(b"moov", box(b"mvhd", b"\x00" * 100) + box(b"trak", b"\x00" * 20))
    pssh = pssh_box([KEY.kid])
    out = insert_pssh(ftyp + moov, pssh)
    assert out[: len(ftyp)] == ftyp
    size, kind = struct.unpack_from(">I4s", out, len(ftyp))
    assert (size, kind) == (len(moov) + len(pssh), b"moov")
    assert out.endswith(moov[8:] + pssh)
    assert len(out) == len(ftyp) + len(moov) + len(pssh)


def test_pssh_needs_a_moov() -> None:
    with pytest.raises(MediaError, match="no moov"):
        insert_pssh(box(b"ftyp", b"iso6"), pssh_box([KEY.kid]))


def test_mpd_gets_content_protection_on_audio_and_video_only() -> None:
    out = protect_mpd(SAMPLE_MPD, KEY, "https://licence.example/ck")
    kid = "01234567-89ab-cdef-0123-456789abcdef"
    assert out.count(f'cenc:default_KID="{kid}"') == 2
    assert out.count('schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc"') == 2
    assert out.count('schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e"') == 2
    assert out.count(">https://licence.example/ck</dashif:Laurl>") == 2
    assert 'xmlns:cenc="urn:mpeg:cenc:2013"' in out
    video = out.split('contentType="video"')[1].split("</AdaptationSet>")[0]
    assert video.index("ContentProtection") < video.index("<Representation")
    text = out.split('contentType="text"')[1]
    assert "ContentProtection" not in text.split("</AdaptationSet>")[0]


def test_each_adaptation_set_names_the_key_of_its_representations() -> None:
    """A set of renditions of another tier's key (by Representation id) names that key."""
    hd = ContentKey(kid_hex="ff" * 16, key_hex="11" * 16)
    video_ids = re.findall(r'contentType="video".*?<Representation id="([^"]+)"', SAMPLE_MPD, re.S)
    out = protect_mpd(SAMPLE_MPD, KEY, rendition_keys={video_ids[0]: hd})
    assert out.count(f'cenc:default_KID="{hd.kid_uuid}"') == 1  # the video set
    assert out.count(f'cenc:default_KID="{KEY.kid_uuid}"') == 1  # the audio set


def content_protection(mpd: str) -> dict[str, ET.Element]:
    """The video adaptation set's ContentProtection elements by scheme."""
    root = parse_mpd(mpd)
    video = next(a for a in root.iter(tag("AdaptationSet")) if a.get("contentType") == "video")
    return {cp.get("schemeIdUri", ""): cp for cp in video.findall(tag("ContentProtection"))}


def test_clearkey_carries_its_licence_url_and_no_pssh() -> None:
    """dash.js hands a pssh found for ClearKey to a ``keyids`` request, which the CDM refuses,
    and picks a common-system (1077efec) element over the ClearKey one when the application
    gives protection data; so the MPD has neither, and the common pssh is in the init
    segments only."""
    found = content_protection(protect_mpd(SAMPLE_MPD, KEY, "https://licence.example/ck"))
    assert list(found) == ["urn:mpeg:dash:mp4protection:2011", f"urn:uuid:{CLEARKEY_SYSTEM_ID}"]
    clearkey = found[f"urn:uuid:{CLEARKEY_SYSTEM_ID}"]
    assert clearkey.get("value") == "ClearKey1.0"
    assert clearkey.find(tag("pssh", "cenc")) is None
    laurl = clearkey.find(tag("Laurl", "dashif"))
    assert laurl is not None
    assert laurl.text == "https://licence.example/ck"
    cenc = found["urn:mpeg:dash:mp4protection:2011"]
    assert cenc.get(tag("default_KID", "cenc")) == KEY.kid_uuid
    assert str(COMMON_SYSTEM_ID) not in protect_mpd(SAMPLE_MPD, KEY)


def test_hls_keys_go_before_the_map() -> None:
    """org.w3.clearkey for hls.js (EME licence request), identity for Shaka (GET of the URI
    answers the raw key); players ignore the key format they do not know."""
    playlist = (
        "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:4\n"
        '#EXT-X-MAP:URI="init-0.m4s"\n#EXTINF:4.0,\nseg-0-00001.m4s\n#EXT-X-ENDLIST\n'
    )
    lines = protect_hls_playlist(playlist, KEY, "https://keys.example/k").splitlines()
    assert lines[3:5] == [
        f'#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT="{key_format}",'
        f'URI="https://keys.example/k?kid={KEY.kid_hex}"'
        for key_format in ("org.w3.clearkey", "identity")
    ]
    assert lines[5].startswith("#EXT-X-MAP")


def test_ffmpeg_options_and_fresh_keys() -> None:
    assert ffmpeg_encryption_options(KEY) == (
        "encryption_scheme=cenc-aes-ctr:encryption_key=" + "00" * 16
        + ":encryption_kid=0123456789abcdef0123456789abcdef"
    )  # fmt: skip
    first, second = new_content_key(), new_content_key()
    assert len(first.kid) == len(bytes.fromhex(first.key_hex)) == 16
    assert first.kid_hex != second.kid_hex
    assert first.key_hex != second.key_hex
