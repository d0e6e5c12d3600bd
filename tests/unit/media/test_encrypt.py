"""CENC signalling: pssh bytes, init-segment surgery, MPD and HLS post-processing."""

from __future__ import annotations

import struct

import pytest

from marquee.media.encrypt import (
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


def test_hls_key_goes_before_the_map() -> None:
    playlist = (
        "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:4\n"
        '#EXT-X-MAP:URI="init-0.m4s"\n#EXTINF:4.0,\nseg-0-00001.m4s\n#EXT-X-ENDLIST\n'
    )
    lines = protect_hls_playlist(playlist, "https://keys.example/k").splitlines()
    assert lines[3] == (
        '#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT="identity",URI="https://keys.example/k"'
    )
    assert lines[4].startswith("#EXT-X-MAP")


def test_ffmpeg_options_and_fresh_keys() -> None:
    assert ffmpeg_encryption_options(KEY) == (
        "encryption_scheme=cenc-aes-ctr:encryption_key=" + "00" * 16
        + ":encryption_kid=0123456789abcdef0123456789abcdef"
    )  # fmt: skip
    first, second = new_content_key(), new_content_key()
    assert len(first.kid) == len(bytes.fromhex(first.key_hex)) == 16
    assert first.kid_hex != second.kid_hex
    assert first.key_hex != second.key_hex
