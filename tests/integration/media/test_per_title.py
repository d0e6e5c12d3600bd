"""Per-title ladder on real (tiny) encodes: the chosen rungs, and the fallbacks."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from marquee.media.ffmpeg import run_ffmpeg
from marquee.media.ladder import DEFAULT_LADDER, plan_ladder
from marquee.media.per_title import plan_per_title
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
    assert len(chosen.probes) == 8  # 360p and 234p, 4 CRFs each
    assert chosen.cpu_s > 0
    assert [p.vmaf for p in chosen.hull] == sorted(p.vmaf for p in chosen.hull)
    assert plan.renditions
    assert all(r.width <= 640 and r.height <= 360 for r in plan.renditions)
    assert [r.name for r in plan.renditions] == [r.name for r in chosen.rungs]
    rates = [r.video_bitrate_kbps for r in plan.renditions]
    assert rates == sorted(rates, reverse=True)
    assert not (tmp_path / "probe-360p-crf21.mp4").exists()


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


def test_a_uniform_clip_gets_the_fixed_ladder_with_a_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = make(tmp_path / "grey.mp4", ["-f", "lavfi", "-i", "color=c=gray:s=320x180:d=4"])
    info = probe(source)
    with caplog.at_level(logging.INFO, logger="marquee.media.per_title"):
        plan, chosen = plan_per_title(source, info, SPEC, tmp_path)
    assert plan == plan_ladder(info, SPEC)
    assert chosen.method == "fallback"
    assert chosen.reason is not None
    assert "too uniform" in chosen.reason
    assert chosen.probes  # what it judged by is kept
    assert "too uniform" in caplog.text
