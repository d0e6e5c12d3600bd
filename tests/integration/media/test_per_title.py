"""Per-title ladder on real (tiny) encodes: the chosen rungs, and the fallbacks."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from marquee.media.ffmpeg import run_ffmpeg
from marquee.media.ladder import DEFAULT_LADDER, plan_ladder
from marquee.media.per_title import CRFS, MIN_RUNGS, plan_per_title
from marquee.media.probe import probe
from tests.integration.media.conftest import X264, Sources, video

SPEC = DEFAULT_LADDER.model_copy(update={"preset": "ultrafast"})


def make(path: Path, args: list[str]) -> Path:
    run_ffmpeg([*args, *X264, "-crf", "12", "-threads", "2", str(path)], step="fixture")
    return path


def test_a_title_gets_rungs_on_its_hull_never_above_the_source(tmp_path: Path) -> None:
    source = make(tmp_path / "busy.mp4", video("640x360", seconds=4))
    info = probe(source)
    plan, chosen = plan_per_title(source, info, SPEC, tmp_path)
    assert chosen.method == "per-title"
    assert chosen.reason is None
    assert len(chosen.probes) == 2 * len(CRFS)  # 360p and 234p
    assert chosen.cpu_s > 0
    assert [p.vmaf for p in chosen.hull] == sorted(p.vmaf for p in chosen.hull)
    assert plan.renditions
    assert all(r.width <= 640 and r.height <= 360 for r in plan.renditions)
    assert [r.name for r in plan.renditions] == [r.name for r in chosen.rungs]
    assert len(plan.renditions) <= max(MIN_RUNGS, len(plan_ladder(info, SPEC).renditions))
    rates = [r.video_bitrate_kbps for r in plan.renditions]
    assert rates == sorted(rates, reverse=True)
    assert not list(tmp_path.glob("probe-*"))


def test_probes_of_sampled_scenes_are_scored_in_step_with_the_sample(tmp_path: Path) -> None:
    """A clip is probed through scenes; the best probe scores near the sample (one frame
    out of step, every probe scored 20-40 VMAF low)."""
    source = make(tmp_path / "longer.mp4", video("480x270", seconds=6))
    info = probe(source)
    _, chosen = plan_per_title(source, info, SPEC, tmp_path)
    assert chosen.sample_s < info.duration_s
    best = max(chosen.probes, key=lambda p: p.vmaf)
    assert (best.height, best.crf) == (270, min(CRFS))
    assert best.vmaf > 90


def test_a_clip_too_short_to_probe_gets_the_fixed_ladder_with_a_reason(
    sources: Sources, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    info = sources.info("silent_video.mp4")  # 2 s
    with caplog.at_level(logging.INFO, logger="marquee.media.per_title"):
        plan, chosen = plan_per_title(sources.path("silent_video.mp4"), info, SPEC, tmp_path)
    assert plan == plan_ladder(info, SPEC)
    assert chosen.method == "fallback"
    assert chosen.reason is not None
    assert "too short" in chosen.reason
    assert "too short" in caplog.text


def test_a_clip_allowing_a_single_rung_gets_the_fixed_ladder_without_probes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = make(tmp_path / "qcif.mp4", video("176x144", seconds=3.5))
    info = probe(source)
    with caplog.at_level(logging.INFO, logger="marquee.media.per_title"):
        plan, chosen = plan_per_title(source, info, SPEC, tmp_path)
    assert plan == plan_ladder(info, SPEC)
    assert len(plan.renditions) == 1
    assert chosen.method == "fallback"
    assert chosen.reason is not None
    assert "single rung" in chosen.reason
    assert not chosen.probes
    assert chosen.cpu_s == 0
    assert "single rung" in caplog.text


def test_a_uniform_clip_gets_the_fixed_ladder_with_a_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = make(tmp_path / "grey.mp4", ["-f", "lavfi", "-i", "color=c=gray:s=640x360:d=4"])
    info = probe(source)
    with caplog.at_level(logging.INFO, logger="marquee.media.per_title"):
        plan, chosen = plan_per_title(source, info, SPEC, tmp_path)
    assert plan == plan_ladder(info, SPEC)
    assert chosen.method == "fallback"
    assert chosen.reason is not None
    assert "too uniform" in chosen.reason
    assert chosen.probes  # what it judged by is kept
    assert "too uniform" in caplog.text
