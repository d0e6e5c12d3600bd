"""Encode -> package -> encrypt, then play the result back with ffmpeg as the client."""

from __future__ import annotations

from pathlib import Path

import m3u8
import pytest

from marquee.media.encode import encode_audio, encode_rendition
from marquee.media.encrypt import COMMON_SYSTEM_ID, ContentKey, new_content_key
from marquee.media.ffmpeg import MediaError, run_ffmpeg
from marquee.media.ladder import LadderSpec, plan_ladder
from marquee.media.package import AudioInput, PackageResult, SubtitleInput, package
from marquee.media.probe import probe
from marquee.media.qc import run_qc
from tests.integration.media.conftest import Sources

pytestmark = pytest.mark.slow


class Packaged:
    def __init__(self, result: PackageResult, key: ContentKey, renditions: list[Path]) -> None:
        self.result, self.key, self.renditions = result, key, renditions
        self.dir = Path(result.directory)


@pytest.fixture(scope="module")
def packaged(
    sources: Sources, test_ladder: LadderSpec, tmp_path_factory: pytest.TempPathFactory
) -> Packaged:
    work = tmp_path_factory.mktemp("package")
    source = sources.path("h264_aac.mp4")
    info = probe(source)
    loudness = run_qc(source, info).loudness[0]
    plan = plan_ladder(info, test_ladder)
    renditions = [work / f"{r.name}.mp4" for r in plan.renditions]
    for rendition, path in zip(plan.renditions, renditions, strict=True):
        encode_rendition(source, info, plan, rendition, path, loudness=loudness)
    french = encode_audio(source, info, 0, 96, work / "fra.mp4", loudness=loudness)
    key = new_content_key()
    result = package(
        renditions,
        work / "out",
        audio_language="eng",
        extra_audio=[AudioInput(path=french.path, language="fra")],
        subtitles=[
            SubtitleInput(path=str(sources.srt()), language="en"),
            SubtitleInput(path=str(sources.path("subtitled.mkv")), language="de"),
        ],
        segment_s=2.0,
        key=key,
    )
    return Packaged(result, key, renditions)


def frame_hashes(tmp_path: Path, url: str, *options: str, stream: str = "0:v:0") -> list[str]:
    out = tmp_path / "frames.framemd5"
    args = [*options, "-i", url, "-map", stream, "-f", "framemd5", str(out)]
    run_ffmpeg(args, step="client")
    return [
        line.rsplit(",", 1)[1].strip()
        for line in out.read_text().splitlines()
        if not line.startswith("#")
    ]


def hls_as_mp4(directory: Path, playlist: str, out: Path) -> Path:
    """What an HLS client fetches, in order: the EXT-X-MAP init segment, then each segment."""
    parsed = m3u8.load(str(directory / playlist))
    parts = [parsed.segment_map[0].uri, *(s.uri for s in parsed.segments)]
    out.write_bytes(b"".join((directory / p).read_bytes() for p in parts))
    return out


def test_layout(packaged: Packaged) -> None:
    result = packaged.result
    assert result.encrypted
    assert result.kid_hex == packaged.key.kid_hex
    assert result.media_playlists == [f"media_{n}.m3u8" for n in range(4)]
    assert result.init_segments == [f"init-{n}.m4s" for n in range(4)]
    assert result.subtitles == ["subtitles-0.vtt", "subtitles-1.vtt"]
    segments = [len(list(packaged.dir.glob(f"seg-{rep}-*.m4s"))) for rep in range(4)]
    assert segments[:2] == [2, 2]  # 4 s of video in 2 s segments
    assert all(n in (2, 3) for n in segments[2:])  # AAC priming can spill a few ms over
    vtt = (packaged.dir / "subtitles-1.vtt").read_text()
    assert vtt.startswith("WEBVTT")
    assert "00:00.500 --> 00:01.500" in vtt


def test_mpd_signalling(packaged: Packaged) -> None:
    mpd = (packaged.dir / "manifest.mpd").read_text()
    kid = packaged.key.kid_uuid
    assert mpd.count(f'cenc:default_KID="{kid}"') == 3
    assert mpd.count('schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e"') == 3
    assert 'lang="fra"' in mpd
    assert mpd.count('mimeType="text/vtt"') == 2


def test_hls_signalling(packaged: Packaged) -> None:
    master = (packaged.dir / "master.m3u8").read_text()
    assert 'LANGUAGE="fra"' in master
    assert 'TYPE=SUBTITLES,GROUP-ID="subs",NAME="de",LANGUAGE="de"' in master
    assert master.count('SUBTITLES="subs"') == 2
    for name in packaged.result.media_playlists:
        lines = (packaged.dir / name).read_text().splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith("#EXT-X-MAP"))
        assert lines[at - 1].startswith('#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT="identity"')


def test_init_segments_carry_pssh(packaged: Packaged) -> None:
    for name in packaged.result.init_segments:
        data = (packaged.dir / name).read_bytes()
        at = data.index(b"pssh")
        assert data[at + 8 : at + 24] == COMMON_SYSTEM_ID.bytes
        assert packaged.key.kid in data[at:]


def test_dash_decrypts_to_the_renditions(packaged: Packaged, tmp_path: Path) -> None:
    mpd = str((packaged.dir / "manifest.mpd").resolve())
    options = ["-allowed_extensions", "ALL", "-cenc_decryption_key", packaged.key.key_hex]
    for n, rendition in enumerate(packaged.renditions):
        expected = frame_hashes(tmp_path, str(rendition))
        assert len(expected) == 100
        assert frame_hashes(tmp_path, mpd, *options, stream=f"0:v:{n}") == expected
    for n in range(2):
        audio = frame_hashes(tmp_path, mpd, *options, stream=f"0:a:{n}")
        assert len(audio) > 150  # 4 s of 1024-sample AAC frames at 48 kHz


def test_hls_decrypts_to_the_renditions(packaged: Packaged, tmp_path: Path) -> None:
    for n, rendition in enumerate(packaged.renditions):
        fmp4 = hls_as_mp4(packaged.dir, f"media_{n}.m3u8", tmp_path / f"hls{n}.mp4")
        hashes = frame_hashes(tmp_path, str(fmp4), "-decryption_key", packaged.key.key_hex)
        assert hashes == frame_hashes(tmp_path, str(rendition))


def test_wrong_key_does_not_decrypt(packaged: Packaged, tmp_path: Path) -> None:
    """With a wrong key the decoder sees garbage; ffmpeg gives up on the decode error rate."""
    fmp4 = hls_as_mp4(packaged.dir, "media_0.m3u8", tmp_path / "hls.mp4")
    wrong = new_content_key().key_hex
    with pytest.raises(MediaError, match=r"(?i)decod"):
        frame_hashes(tmp_path, str(fmp4), "-decryption_key", wrong)


def test_clear_package(packaged: Packaged, tmp_path: Path) -> None:
    result = package(packaged.renditions[:1], tmp_path / "clear")
    mpd = (tmp_path / "clear" / result.mpd).read_text()
    assert not result.encrypted
    assert "ContentProtection" not in mpd
    assert "EXT-X-KEY" not in (tmp_path / "clear" / "media_0.m3u8").read_text()
    hashes = frame_hashes(tmp_path, str((tmp_path / "clear" / result.mpd).resolve()))
    assert hashes == frame_hashes(tmp_path, str(packaged.renditions[0]))
