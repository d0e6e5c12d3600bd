"""Encode -> package -> encrypt, then play the result back with ffmpeg as the client."""

from __future__ import annotations

from pathlib import Path

import m3u8
import pytest

from marquee.media import cenc
from marquee.media.encode import encode_audio, encode_rendition
from marquee.media.encrypt import COMMON_SYSTEM_ID, ContentKey, new_content_key
from marquee.media.ffmpeg import MediaError, run_ffmpeg
from marquee.media.hls import measure
from marquee.media.ladder import LadderSpec, plan_ladder
from marquee.media.manifest import hls_attributes
from marquee.media.package import AudioInput, PackageResult, SubtitleInput, package
from marquee.media.probe import probe
from marquee.media.qc import run_qc
from tests.integration.media.conftest import Sources

pytestmark = pytest.mark.slow


class Packaged:
    """180p with a key of its own (as an HD rendition would be), 144p and the audio with the
    run's key (SD)."""

    def __init__(
        self, result: PackageResult, key: ContentKey, hd_key: ContentKey, renditions: list[Path]
    ) -> None:
        self.result, self.key, self.hd_key, self.renditions = result, key, hd_key, renditions
        self.keys = [hd_key, key]  # by rendition
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
    key, hd_key = new_content_key(), new_content_key()
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
        rendition_keys=[hd_key, key],
    )
    return Packaged(result, key, hd_key, renditions)


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
    folder = (directory / playlist).parent
    out.write_bytes(b"".join((folder / p).read_bytes() for p in parts))
    return out


VIDEO = ["video/180p/", "video/144p/"]


def test_layout(packaged: Packaged) -> None:
    result = packaged.result
    assert result.encrypted
    assert result.kid_hex == packaged.key.kid_hex
    assert result.video_folders == VIDEO
    folders = [*VIDEO, "audio/", "audio/"]
    assert result.media_playlists == sorted(f"{f}media_{n}.m3u8" for n, f in enumerate(folders))
    assert result.init_segments == sorted(f"{f}init-{n}.m4s" for n, f in enumerate(folders))
    assert result.subtitles == ["text/subtitles-0.vtt", "text/subtitles-1.vtt"]
    assert {p.name for p in packaged.dir.iterdir() if p.is_file()} == {
        "manifest.mpd",
        "master.m3u8",
    }
    segments = [len(list((packaged.dir / f).glob(f"seg-{n}-*.m4s"))) for n, f in enumerate(folders)]
    assert segments[:2] == [2, 2]  # 4 s of video in 2 s segments
    assert all(n in (2, 3) for n in segments[2:])  # AAC priming can spill a few ms over
    vtt = (packaged.dir / "text/subtitles-1.vtt").read_text()
    assert vtt.startswith("WEBVTT")
    assert "00:00.500 --> 00:01.500" in vtt


def test_mpd_signalling(packaged: Packaged) -> None:
    mpd = (packaged.dir / "manifest.mpd").read_text()
    assert mpd.count(f'cenc:default_KID="{packaged.key.kid_uuid}"') == 3  # 144p, 2 audio sets
    assert mpd.count(f'cenc:default_KID="{packaged.hd_key.kid_uuid}"') == 1  # 180p
    assert mpd.count('schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e"') == 4
    assert mpd.count('adaptation-set-switching:2016" value="1"') == 1
    assert mpd.count('adaptation-set-switching:2016" value="0"') == 1
    assert [f"<BaseURL>{f}</BaseURL>" in mpd for f in [*VIDEO, "audio/", "text/"]]
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
        assert [hls_attributes(line)["KEYFORMAT"] for line in lines[at - 2 : at]] == [
            '"org.w3.clearkey"',
            '"identity"',
        ]
        key = packaged.hd_key if name.startswith(VIDEO[0]) else packaged.key
        for line in lines[at - 2 : at]:
            assert hls_attributes(line)["URI"].endswith(f'?kid={key.kid_hex}"')
        assert all(
            line.startswith("#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,") for line in lines[at - 2 : at]
        )
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in lines


def test_hls_master_declares_what_the_segments_measure(packaged: Packaged) -> None:
    """RFC 8216: BANDWIDTH is the peak segment bit rate of what plays together (video and
    the largest audio of its group, subtitles too), AVERAGE-BANDWIDTH the average."""
    master = (packaged.dir / "master.m3u8").read_text().splitlines()
    assert master[2] == "#EXT-X-INDEPENDENT-SEGMENTS"
    variants = [
        (hls_attributes(line), master[n + 1])
        for n, line in enumerate(master)
        if line.startswith("#EXT-X-STREAM-INF")
    ]
    audio = [measure(packaged.dir, f"audio/media_{n}.m3u8") for n in (2, 3)]
    subtitles = [measure(packaged.dir, f"text/subtitles-{n}.m3u8") for n in (0, 1)]
    bandwidths = []
    for attrs, uri in variants:
        video = measure(packaged.dir, uri)
        together = [video, max(audio, key=lambda r: r.peak), max(subtitles, key=lambda r: r.peak)]
        assert int(attrs["BANDWIDTH"]) == sum(r.peak for r in together)
        assert int(attrs["AVERAGE-BANDWIDTH"]) <= int(attrs["BANDWIDTH"])
        assert attrs["FRAME-RATE"] == "25.000"
        bandwidths.append(int(attrs["BANDWIDTH"]))
    assert bandwidths == sorted(bandwidths)
    assert [uri for _, uri in variants] == ["video/144p/media_1.m3u8", "video/180p/media_0.m3u8"]


def test_mpd_duration_and_flags(packaged: Packaged) -> None:
    mpd = (packaged.dir / "manifest.mpd").read_text()
    assert 'mediaPresentationDuration="PT4S"' in mpd
    assert "bitstreamSwitching" not in mpd


def test_encryption_leaves_nal_headers_and_non_vcl_units_clear(packaged: Packaged) -> None:
    """CENC subsamples: a NAL unit's length and header, and every non-VCL NAL unit (SEI, SPS,
    PPS, AUD...), are outside every protected range. x264 writes an SEI in the first sample."""
    non_vcl_seen = 0
    for init_name in packaged.result.init_segments:
        track = cenc.video_track((packaged.dir / init_name).read_bytes())
        if track is None:
            continue
        folder, _, name = init_name.rpartition("/")
        representation = name.removeprefix("init-").removesuffix(".m4s")
        for path in sorted((packaged.dir / folder).glob(f"seg-{representation}-*.m4s")):
            data = path.read_bytes()
            for sample in cenc.samples(data, track):
                body = data[sample.offset : sample.offset + sample.size]
                units = cenc.nal_units(body, track.nal_length_size)
                protected = protected_ranges(sample.subsamples)
                assert sum(c + p for c, p in sample.subsamples) == sample.size
                for unit in units:
                    clear_end = unit.start + track.nal_length_size + 1
                    must_be_clear = unit.start + unit.size if not unit.vcl else clear_end
                    assert not any(a < must_be_clear and unit.start < b for a, b in protected), (
                        f"{path.name}: NAL type {unit.kind} at {unit.start} is encrypted"
                    )
                    non_vcl_seen += not unit.vcl
                assert any(unit.vcl for unit in units)
    assert non_vcl_seen > 0


def protected_ranges(subsamples: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    ranges, at = [], 0
    for clear, protected in subsamples:
        at += clear
        if protected:
            ranges.append((at, at + protected))
        at += protected
    return ranges


def test_init_segments_carry_pssh_and_tenc_of_their_own_key(packaged: Packaged) -> None:
    """``tenc`` names the rendition's key; the ``pssh`` lists it, and the audio's key for a
    video of another key (one licence request for what plays together)."""
    for name in packaged.result.init_segments:
        data = (packaged.dir / name).read_bytes()
        hd = name.startswith(VIDEO[0])
        own = packaged.hd_key if hd else packaged.key
        at = data.index(b"pssh")
        assert data[at + 8 : at + 24] == COMMON_SYSTEM_ID.bytes
        tenc = cenc.find(data, "moov/trak/mdia/minf/stbl/stsd")
        assert tenc is not None
        assert own.kid in data[tenc.start : tenc.end]
        listed = [own.kid, packaged.key.kid] if hd else [own.kid]
        assert data[at + 28 : at + 28 + 16 * len(listed)] == b"".join(listed)
        assert int.from_bytes(data[at + 24 : at + 28], "big") == len(listed)
        if not hd:
            assert packaged.hd_key.kid not in data


def test_dash_decrypts_to_the_renditions(packaged: Packaged, tmp_path: Path) -> None:
    mpd = str((packaged.dir / "manifest.mpd").resolve())
    options = ["-allowed_extensions", "ALL", "-cenc_decryption_key", packaged.key.key_hex]
    for n, rendition in enumerate(packaged.renditions):
        expected = frame_hashes(tmp_path, str(rendition))
        assert len(expected) == 100
        own = ["-allowed_extensions", "ALL", "-cenc_decryption_key", packaged.keys[n].key_hex]
        assert frame_hashes(tmp_path, mpd, *own, stream=f"0:v:{n}") == expected
    for n in range(2):
        audio = frame_hashes(tmp_path, mpd, *options, stream=f"0:a:{n}")
        assert len(audio) > 150  # 4 s of 1024-sample AAC frames at 48 kHz


def test_hls_decrypts_to_the_renditions(packaged: Packaged, tmp_path: Path) -> None:
    for n, rendition in enumerate(packaged.renditions):
        playlist = f"{VIDEO[n]}media_{n}.m3u8"
        fmp4 = hls_as_mp4(packaged.dir, playlist, tmp_path / f"hls{n}.mp4")
        hashes = frame_hashes(tmp_path, str(fmp4), "-decryption_key", packaged.keys[n].key_hex)
        assert hashes == frame_hashes(tmp_path, str(rendition))


def test_wrong_key_does_not_decrypt(packaged: Packaged, tmp_path: Path) -> None:
    fmp4 = hls_as_mp4(packaged.dir, "video/144p/media_1.m3u8", tmp_path / "hls.mp4")
    expected = frame_hashes(tmp_path, str(packaged.renditions[1]))
    assert not pictures_with_a_wrong_key(tmp_path, str(fmp4)) & set(expected)


def test_the_lower_tiers_key_does_not_decrypt_a_higher_tier(
    packaged: Packaged, tmp_path: Path
) -> None:
    """Issue 19: a session holding the SD key (the audio's) cannot decrypt the HD rendition."""
    fmp4 = hls_as_mp4(packaged.dir, "video/180p/media_0.m3u8", tmp_path / "hd.mp4")
    expected = frame_hashes(tmp_path, str(packaged.renditions[0]))
    wrong = pictures_with_a_wrong_key(tmp_path, str(fmp4), key=packaged.key)
    assert not wrong & set(expected)


def pictures_with_a_wrong_key(
    tmp_path: Path, url: str, *options: str, key: ContentKey | None = None
) -> set[str]:
    """The pictures decoded with a wrong key: none (ffmpeg gives up on its decode error rate)
    or garbage (NAL headers are clear, so the decoder may well go on to the end)."""
    key_option = "-cenc_decryption_key" if url.endswith(".mpd") else "-decryption_key"
    wrong = (key or new_content_key()).key_hex
    try:
        return set(frame_hashes(tmp_path, url, *options, key_option, wrong))
    except MediaError as exc:
        assert "decod" in str(exc).lower()  # noqa: PT017
        return set()


def test_clear_package(packaged: Packaged, tmp_path: Path) -> None:
    result = package(packaged.renditions[:1], tmp_path / "clear")
    mpd = (tmp_path / "clear" / result.mpd).read_text()
    assert not result.encrypted
    assert "ContentProtection" not in mpd
    assert "EXT-X-KEY" not in (tmp_path / "clear" / "video/180p/media_0.m3u8").read_text()
    hashes = frame_hashes(tmp_path, str((tmp_path / "clear" / result.mpd).resolve()))
    assert hashes == frame_hashes(tmp_path, str(packaged.renditions[0]))
