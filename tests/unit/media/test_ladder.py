"""Ladder planning: aspect ratios, never upscaling, GOP and frame rate, rates capped by the
source."""

from __future__ import annotations

import pytest

from marquee.media.encode import av1_args, plan_chunks
from marquee.media.ffmpeg import MediaError
from marquee.media.ladder import (
    AV1_MAX_RUNGS,
    CODEC_EFFICIENCY,
    DEFAULT_LADDER,
    MIN_STEP,
    PIXEL_RATE_EXPONENT,
    LadderPlan,
    LadderSpec,
    Rung,
    av1_crf,
    plan_ladder,
    plan_rungs,
    source_cap_kbps,
    source_video_kbps,
    with_av1,
)
from marquee.media.probe import AudioTrack, SourceInfo, VideoInfo


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


def test_av1_clients_get_a_few_rungs_spread_over_the_rates_from_top_to_bottom() -> None:
    plan = with_av1(plan_ladder(source()), preset=10)
    h264 = {r.name: r for r in plan.renditions if r.codec == "h264"}
    av1 = [r for r in plan.renditions if r.codec == "av1"]
    assert len(h264) == 7
    assert len(av1) == AV1_MAX_RUNGS == 3
    assert [(r.name, r.video_bitrate_kbps) for r in av1] == [
        ("av1-1080p", 4200),
        ("av1-432p", 770),
        ("av1-234p", 102),
    ]
    twins = [h264[r.name.removeprefix("av1-")] for r in av1]
    assert [(r.width, r.height) for r in av1] == [(r.width, r.height) for r in twins]
    assert {r.preset for r in av1} == {"10"}


def test_av1_gets_about_every_other_rung_of_a_short_ladder_and_at_least_two() -> None:
    names = [r.name for r in with_av1(plan_ladder(source(640, 360)), preset=10).renditions]
    assert names == ["360p", "270p", "234p", "av1-360p", "av1-234p"]
    names = [r.name for r in with_av1(plan_ladder(source(480, 270)), preset=10).renditions]
    assert names == ["270p", "234p", "av1-270p", "av1-234p"]
    names = [r.name for r in with_av1(plan_ladder(source(320, 180)), preset=10).renditions]
    assert names == ["180p", "av1-180p"]


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


def with_rates(info: SourceInfo, *, video_bps: int | None, container_bps: int | None = None,
               audio_bps: int | None = None, codec: str = "h264") -> SourceInfo:  # fmt: skip
    assert info.video is not None
    video = info.video.model_copy(update={"bit_rate": video_bps, "codec": codec})
    audio = [
        AudioTrack(index=1, codec="aac", channels=2, sample_rate=48000, language=None,
                   bit_rate=audio_bps)
    ]  # fmt: skip
    return info.model_copy(update={"video": video, "bit_rate": container_bps, "audio": audio})


def rates(info: SourceInfo, spec: LadderSpec = DEFAULT_LADDER) -> list[tuple[str, int]]:
    return [(r.name, r.video_bitrate_kbps) for r in plan_ladder(info, spec).renditions]


def test_no_rung_spends_more_than_a_low_rate_source_carries() -> None:
    """The issue's source: 615 kbit/s at 12.5 fps got 1,100 and 730 kbit/s rungs."""
    info = with_rates(source(768, 432, frame_rate="25/2", fps=12.5), video_bps=615_000)
    plan = plan_ladder(info)
    assert rates(info) == [("432p", 615), ("360p", 468), ("270p", 304), ("234p", 145)]
    for rendition in plan.renditions:
        pixels = rendition.width * rendition.height / (768 * 432)
        assert rendition.video_bitrate_kbps <= 615 * pixels**PIXEL_RATE_EXPONENT + 0.5
        assert rendition.maxrate_kbps == round(rendition.video_bitrate_kbps * 1.5)
        assert rendition.bufsize_kbits == round(rendition.video_bitrate_kbps * 3)


def test_a_rich_source_keeps_the_ladder_rates() -> None:
    info = with_rates(source(), video_bps=20_000_000)
    assert rates(info) == [(r.name, r.video_bitrate_kbps) for r in DEFAULT_LADDER.rungs]


def test_the_cap_scales_with_pixels_and_frames_per_second() -> None:
    info = with_rates(source(fps=50.0, frame_rate="50/1"), video_bps=4_000_000)
    cap = source_cap_kbps(info, 1280, 720, 25.0)
    assert cap == pytest.approx(4000 * ((1280 * 720 * 25) / (1920 * 1080 * 50)) ** 0.75)
    assert source_cap_kbps(info, 1920, 1080, 50.0) == pytest.approx(4000)


def test_a_per_title_crf_rung_keeps_its_measured_rate_under_the_estimated_cap() -> None:
    """bikes: 416x176 at CRF 21 measured 278 kbit/s; the estimate for that size, 224, had
    cut it and thinned it as a copy of the rung below."""
    info = with_rates(source(640, 272), video_bps=428_000)
    small = Rung(name="176p", width=416, height=176, video_bitrate_kbps=278, crf=21)
    vbr = small.model_copy(update={"crf": None})
    [crf_rung] = plan_rungs(info, DEFAULT_LADDER, [(small, 416, 176)]).renditions
    [vbr_rung] = plan_rungs(info, DEFAULT_LADDER, [(vbr, 416, 176)]).renditions
    assert (crf_rung.video_bitrate_kbps, crf_rung.maxrate_kbps) == (278, 417)
    assert vbr_rung.video_bitrate_kbps < 278


def test_unknown_rates_leave_the_ladder_alone() -> None:
    info = with_rates(source(768, 432), video_bps=None)
    assert rates(info) == [("432p", 1100), ("360p", 730), ("270p", 365), ("234p", 145)]


def test_the_container_rate_less_audio_stands_in_for_the_stream_rate() -> None:
    info = with_rates(source(768, 432), video_bps=None, container_bps=728_000, audio_bps=128_000)
    assert source_video_kbps(info) == 600
    assert rates(info)[0] == ("432p", 600)


def test_codecs_that_carry_more_per_bit_allow_more_h264_bits() -> None:
    hevc = with_rates(source(768, 432), video_bps=600_000, codec="hevc")
    assert rates(hevc)[0] == ("432p", round(600 * CODEC_EFFICIENCY["hevc"]))


def test_a_rung_capped_to_about_its_lower_neighbour_is_dropped() -> None:
    spec = LadderSpec(
        rungs=(
            Rung(name="360p", width=640, height=360, video_bitrate_kbps=1000),
            Rung(name="342p", width=608, height=342, video_bitrate_kbps=400),
            Rung(name="180p", width=320, height=180, video_bitrate_kbps=100),
        )
    )
    info = with_rates(source(640, 360), video_bps=420_000)
    # 360p would be capped to 420 kbit/s, 342p to min(400, 389): under 1.2 times apart.
    assert rates(info, spec) == [("342p", 389), ("180p", 100)]
    assert MIN_STEP == 1.2


def test_a_tiny_source_is_capped_too() -> None:
    info = with_rates(source(320, 180), video_bps=90_000)
    assert rates(info) == [("180p", 90)]


def test_the_av1_twin_of_a_per_title_rung_is_capped_crf_at_the_mapped_crf() -> None:
    plan = plan_ladder(source(640, 360))
    per_title = plan.model_copy(
        update={"renditions": [r.model_copy(update={"crf": 21}) for r in plan.renditions]}
    )
    twins = [r for r in with_av1(per_title, preset=10).renditions if r.codec == "av1"]
    assert {r.crf for r in twins} == {av1_crf(21)} == {35}
    args = av1_args(twins[0])
    assert args[args.index("-crf") + 1] == "35"
    assert args[args.index("-maxrate") + 1] == f"{twins[0].maxrate_kbps}k"
    assert "-b:v" not in args


def test_the_av1_twin_of_a_fixed_rung_is_vbr_at_its_share_of_the_rate() -> None:
    twins = [r for r in with_av1(plan_ladder(source(640, 360)), preset=10).renditions]
    twin = next(r for r in twins if r.codec == "av1")
    assert twin.crf is None
    args = av1_args(twin)
    assert args[args.index("-b:v") + 1] == f"{twin.video_bitrate_kbps}k"
    assert "-crf" not in args


def test_the_av1_crf_stays_within_svt_av1s_range() -> None:
    assert [av1_crf(crf) for crf in (0, 21, 24, 27, 40, 51)] == [3, 35, 39, 44, 63, 63]


def av1_presets(plan: LadderPlan) -> set[str]:
    return {r.preset for r in plan.renditions if r.codec == "av1"}


def test_twins_holding_most_of_the_fixed_ladders_pixels_run_one_preset_faster() -> None:
    """A source of two fixed rungs twins both: at the set preset its twins alone would cost
    about twice its fixed ladder. A 720p source twins three of six rungs at the set preset."""
    two_rungs = plan_ladder(source(480, 270))
    assert av1_presets(with_av1(two_rungs, preset=9)) == {"10"}
    assert av1_presets(with_av1(two_rungs, preset=13)) == {"13"}
    assert av1_presets(with_av1(plan_ladder(source(1280, 720)), preset=9)) == {"9"}


def test_per_title_twins_are_held_against_the_fixed_ladder_of_the_source() -> None:
    fixed = plan_ladder(source(1280, 720))
    small = [r.model_copy(update={"crf": 30}) for r in fixed.renditions[-2:]]
    per_title = fixed.model_copy(update={"renditions": small})
    assert av1_presets(with_av1(per_title, preset=9, fixed=fixed)) == {"9"}
    top = [
        r.model_copy(update={"name": f"720p-{n}", "crf": 21 + n})
        for n, r in enumerate([fixed.renditions[0]] * 2)
    ]
    per_title = fixed.model_copy(update={"renditions": top})
    assert av1_presets(with_av1(per_title, preset=9, fixed=fixed)) == {"10"}
