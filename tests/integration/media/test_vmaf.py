"""VMAF of renditions against their source."""

from __future__ import annotations

from pathlib import Path

import pytest

from marquee.media.encode import encode_rendition
from marquee.media.ladder import LadderSpec, plan_ladder
from marquee.media.probe import probe
from marquee.media.vmaf import measure_vmaf
from tests.integration.media.conftest import Sources


@pytest.mark.slow
def test_vmaf_orders_renditions(sources: Sources, test_ladder: LadderSpec, tmp_path: Path) -> None:
    source = sources.path("h264_aac.mp4")
    info = probe(source)
    plan = plan_ladder(info, test_ladder)
    scores = []
    for rendition in plan.renditions:
        out = tmp_path / f"{rendition.name}.mp4"
        encode_rendition(source, info, plan, rendition, out)
        scores.append(measure_vmaf(out, source, info, plan, subsample=10))
    assert all(0 < s.mean <= 100 for s in scores)
    assert scores[0].mean > 80
    assert scores[0].mean > scores[1].mean
    assert (scores[0].width, scores[0].height, scores[0].frames_scored) == (320, 180, 10)


@pytest.mark.slow
def test_scoring_one_frame_in_n_agrees_with_scoring_every_frame(
    sources: Sources, test_ladder: LadderSpec, tmp_path: Path
) -> None:
    """VMAF's motion feature compares neighbouring reference frames: frames picked one in n
    before libvmaf looked n times as busy, and this rung scored 6 points high at one in 4."""
    source = sources.path("h264_aac.mp4")
    info = probe(source)
    plan = plan_ladder(info, test_ladder)
    low = plan.renditions[-1].model_copy(update={"video_bitrate_kbps": 40})
    out = tmp_path / "low.mp4"
    encode_rendition(source, info, plan, low, out)
    every_frame = measure_vmaf(out, source, info, plan, subsample=1)
    one_in_four = measure_vmaf(out, source, info, plan, subsample=4)
    assert every_frame.frames_scored == 100
    assert one_in_four.mean == pytest.approx(every_frame.mean, abs=2.0)
