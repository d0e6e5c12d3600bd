"""Probing real files of many codecs and shapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from marquee.media.ffmpeg import MediaError, run_ffmpeg
from marquee.media.probe import probe
from tests.integration.media.conftest import Sources


@pytest.mark.parametrize(
    ("name", "video_codec", "audio_codec"),
    [
        ("h264_aac.mp4", "h264", "aac"),
        ("hevc_ac3.mkv", "hevc", "ac3"),
        ("vp9_opus.webm", "vp9", "opus"),
        ("av1_opus.mkv", "av1", "opus"),
        ("mpeg2_interlaced.mpg", "mpeg2video", "mp2"),
        ("mpeg4_mp3.avi", "mpeg4", "mp3"),
        ("prores_pcm.mov", "prores", "pcm_s16le"),
    ],
)
def test_probe_codecs(sources: Sources, name: str, video_codec: str, audio_codec: str) -> None:
    info = sources.info(name)
    assert info.video is not None
    assert info.video.codec == video_codec
    assert (info.video.width, info.video.height) == (320, 180)
    assert info.video.fps == pytest.approx(25)
    assert info.duration_s == pytest.approx(2 if name != "h264_aac.mp4" else 4, abs=0.15)
    assert [a.codec for a in info.audio] == [audio_codec]
    assert info.audio[0].sample_rate > 0
    assert info.audio[0].channels == 1


def test_h264_details(sources: Sources) -> None:
    info = sources.info("h264_aac.mp4")
    assert info.video is not None
    assert info.container.startswith("mov,mp4")
    assert info.video.pix_fmt == "yuv420p"
    assert info.video.frame_count == 100
    assert info.video.bit_rate
    assert not info.video.vfr
    assert not info.video.interlaced
    assert info.video.display_aspect_ratio == pytest.approx(16 / 9)
    assert info.video.rotation == 0
    assert info.subtitles == []


def test_rotation(sources: Sources) -> None:
    video = sources.info("rotated.mp4").video
    assert video is not None
    assert video.rotation in (90, 270)
    assert video.upright_aspect_ratio == pytest.approx(9 / 16)


def test_non_square_pixels(sources: Sources) -> None:
    video = sources.info("anamorphic.mp4").video
    assert video is not None
    assert (video.width, video.height) == (240, 180)
    assert video.sample_aspect_ratio == pytest.approx(4 / 3)
    assert video.display_aspect_ratio == pytest.approx(16 / 9)


def test_odd_dimensions(sources: Sources) -> None:
    video = sources.info("odd.mkv").video
    assert video is not None
    assert (video.width, video.height) == (321, 181)


def test_interlaced(sources: Sources) -> None:
    video = sources.info("mpeg2_interlaced.mpg").video
    assert video is not None
    assert video.interlaced
    assert video.field_order == "tt"


def test_variable_frame_rate(sources: Sources) -> None:
    video = sources.info("vfr.mp4").video
    assert video is not None
    assert video.vfr
    assert video.fps < 30


def test_no_audio(sources: Sources) -> None:
    info = sources.info("silent_video.mp4")
    assert info.video is not None
    assert info.audio == []


def test_audio_languages(sources: Sources) -> None:
    info = sources.info("two_languages.mkv")
    assert [(a.language, a.codec) for a in info.audio] == [("eng", "aac"), ("fra", "aac")]


def test_subtitle_track(sources: Sources) -> None:
    info = sources.info("subtitled.mkv")
    assert [(s.codec, s.language) for s in info.subtitles] == [("subrip", "deu")]


def test_not_media(tmp_path: Path) -> None:
    junk = tmp_path / "notes.mp4"
    junk.write_text("this is not a video\n" * 50)
    with pytest.raises(MediaError, match="not a readable media file") as caught:
        probe(junk)
    assert caught.value.step == "probe"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no such file"):
        probe(tmp_path / "absent.mov")


def test_a_damaged_tag_does_not_stop_the_probe(tmp_path: Path) -> None:
    """A flipped bit in a stream's tag (its handler name) leaves bytes that are not UTF-8: the
    file is still probed."""
    clip = tmp_path / "tagged.mp4"
    source = ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-t", "1"]
    run_ffmpeg(
        [*source, "-c:v", "libx264", "-metadata:s:v", "handler_name=Harbour", str(clip)],
        step="test",
    )
    data = clip.read_bytes()
    at = data.index(b"Harbour")
    clip.write_bytes(data[:at] + b"\xff\xferbour" + data[at + 7 :])

    info = probe(clip)

    assert info.video is not None
    assert info.video.codec == "h264"
