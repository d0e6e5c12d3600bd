"""Which keyframes ladder mode's VMAF scores."""

from __future__ import annotations

import pytest

from marquee.media.ladder import DEFAULT_LADDER, plan_ladder
from marquee.media.single_pass import vmaf_keyframe_every
from tests.unit.media.test_ladder import source


@pytest.mark.parametrize(
    ("duration_s", "subsample", "keyframes", "every"),
    [
        (60.0, 30, 6, 5),  # 30 keyframes (2 s GOP), at most 6 scored
        (60.0, 30, 100, 1),  # every keyframe
        (60.0, 250, 100, 5),  # at least 250 frames (10 s at 25 fps) apart
        (4.0, 30, 6, 1),  # 2 keyframes
        (7200.0, 30, 6, 600),  # a feature film: 3600 keyframes, 6 scored
    ],
)
def test_vmaf_keyframes_are_spread_and_bounded(
    duration_s: float, subsample: int, keyframes: int, every: int
) -> None:
    info = source(duration_s=duration_s)
    plan = plan_ladder(info, DEFAULT_LADDER)
    assert plan.gop_frames == 50
    assert vmaf_keyframe_every(info, plan, subsample, keyframes) == every
