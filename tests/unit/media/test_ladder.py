"""Ladder planning: aspect ratios, never upscaling, GOP and frame rate."""

from __future__ import annotations

import pytest

from marquee.media.encode import plan_chunks
from marquee.media.ffmpeg import MediaError
from marquee.media.ladder import DEFAULT_LADDER, plan_ladder
from marquee.media.probe import SourceInfo, VideoInfo


def source(
    width: int = 1920,
    height: int = 1080,
    *,
    sar: float = 1.0,
    rotation: int = 0,
    frame_rate: str = "25/1",
    fps: float = 25.0,
    vfr: bool = False,
    duration_s: float = 60.0,
) -> SourceInfo:
    video = VideoInfo(
        index=0,
        codec="h264",
        width=width,
        height=height,
        sample_aspect_ratio=sar,
        display_aspect_ratio=width * sar / height,
        rotation=rotation,
        frame_rate=frame_rate,
        fps=fps,
        vfr=vfr,
        interlaced=False,
        field_order="progressive",
        pix_fmt="yuv420p",
        bit_rate=None,
        frame_count=0,
    )
    return SourceInfo(
        container="mp4", duration_s=duration_s, bit_rate=None, size_bytes=0,
        video=video, audio=[], subtitles=[],
    )  # fmt: skip


def sizes(info: SourceInfo) -> list[tuple[int, int]]:
    return [(r.width, r.height) for r in plan_ladder(info).renditions]


def test_full_hd_gets_every_rung() -> None:
    plan = plan_ladder(source())
    assert [(r.name, r.width, r.height, r.video_bitrate_kbps) for r in plan.renditions] == [
        ("1080p", 1920, 1080, 6000),
        ("720p", 1280, 720, 3000),
        ("540p", 960, 540, 2000),
        ("432p", 768, 432, 1100),
        ("360p", 640, 360, 730),
        ("270p", 480, 270, 365),
        ("234p", 416, 234, 145),
    ]
    top = plan.renditions[0]
    assert (top.maxrate_kbps, top.bufsize_kbits, top.audio_bitrate_kbps) == (9000, 18000, 128)
    assert (top.profile, top.preset) == ("high", "slow")


def test_four_by_three_keeps_its_shape() -> None:
    assert sizes(source(1440, 1080))[:3] == [(1440, 1080), (960, 720), (720, 540)]


def test_scope_is_letterboxed_into_the_box() -> None:
    assert sizes(source(1920, 804))[:2] == [(1920, 804), (1280, 536)]


def test_every_size_is_even_and_keeps_the_aspect_ratio() -> None:
    for w, h in sizes(source(1998, 1080)):
        assert w % 2 == h % 2 == 0
        assert w / h == pytest.approx(1998 / 1080, rel=0.02)


def test_anamorphic_uses_display_aspect_and_lines() -> None:
    # PAL 16:9 DVD: 720x576 stored, 1024x576 shown; 576 lines cap the ladder at 540p.
    plan = plan_ladder(source(720, 576, sar=64 / 45))
    assert plan.display_aspect_ratio == pytest.approx(16 / 9)
    assert [(r.width, r.height) for r in plan.renditions][:2] == [(960, 540), (768, 432)]


def test_rotated_phone_video_is_portrait() -> None:
    assert sizes(source(1920, 1080, rotation=90))[:2] == [(1080, 1920), (720, 1280)]
    assert sizes(source(1920, 1080, rotation=270))[-1] == (234, 416)


def test_never_upscales() -> None:
    assert sizes(source(640, 360))[0] == (640, 360)
    assert sizes(source(1280, 700))[0] == (1280, 700)
    assert sizes(source(1200, 700))[0] == (926, 540)


def test_tiny_source_gets_one_rendition_at_its_own_size() -> None:
    plan = plan_ladder(source(320, 180))
    assert [(r.name, r.width, r.height) for r in plan.renditions] == [("180p", 320, 180)]


@pytest.mark.parametrize(
    ("frame_rate", "fps", "vfr", "expected", "gop"),
    [
        ("25/1", 25.0, False, "25/1", 50),
        ("30000/1001", 29.97, False, "30000/1001", 60),
        ("24000/1001", 23.976, False, "24000/1001", 48),
        ("50/1", 50.0, False, "50/1", 100),
        ("120/1", 120.0, False, "60/1", 120),
        ("375/22", 17.05, True, "15/1", 30),
        ("2997/100", 29.97, True, "30000/1001", 60),
    ],
)
def test_frame_rate_and_gop(
    frame_rate: str, fps: float, vfr: bool, expected: str, gop: int
) -> None:
    plan = plan_ladder(source(frame_rate=frame_rate, fps=fps, vfr=vfr))
    assert (plan.frame_rate, plan.gop_frames) == (expected, gop)
    assert plan.gop_s == pytest.approx(2.0, abs=0.01)


def test_no_video_is_an_error() -> None:
    info = source().model_copy(update={"video": None})
    with pytest.raises(MediaError, match="no video"):
        plan_ladder(info, DEFAULT_LADDER)


def test_chunks_are_whole_gops() -> None:
    info = source(duration_s=11.0)
    plan = plan_ladder(info)
    chunks = plan_chunks(info, plan, chunk_s=4.5)
    assert [(c.start_frame, c.frames, c.start_s) for c in chunks] == [
        (0, 100, 0.0),
        (100, 100, 4.0),
        (200, 75, 8.0),
    ]
