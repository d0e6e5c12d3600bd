"""Which frames ladder mode's VMAF scores."""

from __future__ import annotations

import pytest

from marquee.media.ladder import DEFAULT_LADDER, plan_ladder
from marquee.media.single_pass import vmaf_gop_every
from tests.unit.media.test_ladder import source


@pytest.mark.parametrize(
    ("duration_s", "subsample", "most", "every"),
    [
        (60.0, 30, 6, 5),  # 30 GOPs (2 s), at most 6 scored
        (60.0, 30, 100, 1),  # every GOP
        (60.0, 250, 100, 5),  # at least 250 frames (10 s at 25 fps) apart
        (4.0, 30, 6, 1),  # 2 GOPs
        (7200.0, 30, 6, 600),  # a feature film: 3600 GOPs, 6 scored
    ],
)
def test_vmaf_frames_are_spread_and_bounded(
    duration_s: float, subsample: int, most: int, every: int
) -> None:
    info = source(duration_s=duration_s)
    plan = plan_ladder(info, DEFAULT_LADDER)
    assert plan.gop_frames == 50
    assert vmaf_gop_every(info, plan, subsample, most) == every
