"""Per-title ladder: the hull, the rungs chosen on it, the BD-rate, the mode setting."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from marquee.media.bdrate import bd_rate
from marquee.media.ffmpeg import MediaError
from marquee.media.ladder import DEFAULT_LADDER, MIN_STEP, plan_ladder
from marquee.media.per_title import (
    BOTTOM_VMAF,
    MAX_RUNGS,
    SCENE_S,
    SCENES,
    TOP_VMAF,
    ChosenRung,
    ProbePoint,
    affordable,
    capped_rungs,
    choose_rungs,
    convex_hull,
    frontier,
    interpolate,
    probe_sizes,
    sample_spans,
)
from marquee.media.service import ladder_spec, per_title
from marquee.settings import load_settings
from tests.unit.media.test_ladder import source


def point(height: int, kbps: float, vmaf: float, crf: int = 25) -> ProbePoint:
    return ProbePoint(width=height * 16 // 9, height=height, crf=crf, kbps=kbps, vmaf=vmaf)


#: Two sizes' rate-quality curves crossing: 360p wins at low rates, 720p at high ones; the
#: 360p probe at 2000 kbit/s and the 720p one at 300 lie under the hull.
PROBES = [
    point(360, 150, 62),
    point(360, 300, 76),
    point(360, 600, 84),
    point(360, 2000, 88),
    point(720, 300, 60),
    point(720, 700, 83),
    point(720, 1400, 92),
    point(720, 3000, 97),
]


def test_the_hull_is_monotone_and_no_probe_lies_above_it() -> None:
    hull = convex_hull(PROBES)
    rates = [p.kbps for p in hull]
    scores = [p.vmaf for p in hull]
    assert rates == sorted(rates)
    assert len(set(rates)) == len(rates)
    assert scores == sorted(scores)
    assert len(set(scores)) == len(scores)
    assert point(360, 2000, 88) not in hull
    assert point(720, 300, 60) not in hull
    for probe in PROBES:
        for low, high in itertools.pairwise(hull):
            if low.kbps <= probe.kbps <= high.kbps:
                share = math.log(probe.kbps / low.kbps) / math.log(high.kbps / low.kbps)
                assert probe.vmaf <= low.vmaf + share * (high.vmaf - low.vmaf) + 1e-9


def test_rungs_are_hull_probes_a_visible_step_apart_from_near_95_down() -> None:
    rungs = choose_rungs(convex_hull(PROBES))
    assert [(r.height, r.kbps, r.vmaf) for r in rungs] == [
        (720, 3000, 97),  # nearest 95
        (720, 1400, 92),
        (360, 600, 84),
        (360, 300, 76),
        (360, 150, 62),
    ]
    assert [r.name for r in rungs] == ["720p", "720p-2", "360p", "360p-2", "360p-3"]


def test_rungs_are_bounded_visible_steps_above_the_floor() -> None:
    hull = convex_hull([point(720, 100 * 1.3**n, 100 - 80 * 0.75**n, 50 - n) for n in range(24)])
    rungs = choose_rungs(hull)
    assert len(rungs) == MAX_RUNGS
    assert rungs[0].vmaf == pytest.approx(TOP_VMAF, abs=2.5)
    assert min(r.vmaf for r in rungs) >= BOTTOM_VMAF
    for higher, lower in itertools.pairwise(rungs):
        assert higher.kbps >= MIN_STEP * lower.kbps
        assert higher.vmaf - lower.vmaf >= 4
        assert higher.crf < lower.crf


def test_a_ladder_gets_no_more_rungs_than_it_is_allowed_keeping_its_top_and_bottom() -> None:
    hull = convex_hull([point(720, 100 * 1.3**n, 100 - 80 * 0.75**n, 50 - n) for n in range(24)])
    every = choose_rungs(hull)
    three = choose_rungs(hull, max_rungs=3)
    assert len(every) > 3
    assert len(three) == 3
    assert [(r.crf, r.vmaf) for r in (three[0], three[-1])] == [
        (r.crf, r.vmaf) for r in (every[0], every[-1])
    ]


def test_the_bottom_rung_is_the_best_the_fixed_ladders_bottom_rate_buys() -> None:
    rungs = choose_rungs(convex_hull(PROBES), bottom_kbps=350)
    assert (rungs[-1].kbps, rungs[-1].vmaf) == (300, 76)
    assert [r.vmaf for r in rungs] == [97, 92, 84, 76]


def test_no_crf_is_read_between_probes_where_the_rate_collapses() -> None:
    """Grain at 432p: 12,071 kbit/s at CRF 21 and 389 at 30 (x264 stops coding the noise);
    CRF 24 read off a curve through them came out at half what it measured."""
    grain = [
        ProbePoint(width=768, height=432, crf=21, kbps=12071, vmaf=75.0),
        ProbePoint(width=768, height=432, crf=30, kbps=389, vmaf=62.0),
        ProbePoint(width=768, height=432, crf=40, kbps=120, vmaf=45.0),
    ]
    assert [p.crf for p in interpolate(grain)] == [21, *range(30, 41)]


def test_rungs_may_sit_under_the_hulls_chords_on_the_frontier() -> None:
    under = point(432, 700, 70)  # the chord from 300 to 3000 kbit/s passes 71 at 700
    points = [point(270, 300, 60), under, point(720, 3000, 90)]
    assert under not in convex_hull(points)
    assert frontier(points) == points


def test_a_rate_step_over_twofold_gets_a_rung_in_its_middle() -> None:
    """Even quality steps went from 3000 kbit/s straight to 1000: a viewer's network
    between them fell threefold."""
    points = [point(270, 500, 70), point(432, 1000, 80), point(720, 2000, 93), point(720, 3000, 95)]
    rungs = choose_rungs(frontier(points))
    assert [r.kbps for r in rungs] == [3000, 2000, 1000, 500]


def test_no_top_rung_spends_twice_the_rate_for_less_than_a_visible_step() -> None:
    grain = [point(270, 139, 56.8), point(432, 389, 65.8), point(270, 2584, 66.4)]
    rungs = choose_rungs(frontier(grain))
    assert [(r.kbps, r.vmaf) for r in rungs] == [(389, 65.8), (139, 56.8)]


def test_a_hull_below_95_tops_out_at_its_best_probe() -> None:
    rungs = choose_rungs(convex_hull([point(360, 100, 70), point(360, 400, 88)]))
    assert (rungs[0].kbps, rungs[0].vmaf) == (400, 88)


def test_no_probe_size_is_above_the_source() -> None:
    assert probe_sizes(source(1280, 720), DEFAULT_LADDER) == [(1280, 720), (768, 432), (480, 270)]
    assert probe_sizes(source(1920, 1080), DEFAULT_LADDER)[0] == (1920, 1080)
    assert len(probe_sizes(source(1920, 1080), DEFAULT_LADDER)) == 4
    assert probe_sizes(source(300, 200), DEFAULT_LADDER) == [(300, 200)]


def test_a_source_of_two_close_rungs_is_probed_at_both() -> None:
    """CIF fits the 270 and 234 line rungs, too close for the size chain to take both; the
    smaller one wins at low rates on noisy sources, so it is probed too."""
    assert probe_sizes(source(352, 288), DEFAULT_LADDER) == [(330, 270), (286, 234)]
    assert probe_sizes(source(480, 270), DEFAULT_LADDER) == [(480, 270), (416, 234)]


def test_titles_are_probed_through_scenes_spread_over_the_runtime() -> None:
    assert sample_spans(2.0) == [(0.0, 2.0)]
    assert sample_spans(6.0) == [(1.0, SCENE_S), (4.0, SCENE_S)]  # a third of a short title
    assert len(sample_spans(9.0)) == 3
    spans = sample_spans(600.0)
    assert len(spans) == SCENES
    assert spans[0][0] > 0
    assert spans[-1][0] + spans[-1][1] < 600
    assert spans[-1][0] - spans[0][0] > 400


def test_bd_rate_of_a_curve_at_half_the_rate_is_minus_50_percent() -> None:
    reference = [(1000.0, 70.0), (2000.0, 80.0), (4000.0, 88.0), (8000.0, 94.0)]
    half = [(kbps / 2, vmaf) for kbps, vmaf in reference]
    assert bd_rate(reference, half) == pytest.approx(-50.0)
    assert bd_rate(half, reference) == pytest.approx(100.0)
    assert bd_rate(reference, reference) == pytest.approx(0.0)


def test_bd_rate_compares_only_the_quality_range_both_curves_cover() -> None:
    reference = [(1000.0, 70.0), (4000.0, 90.0)]
    # Half the reference's rate from 80 to 90 (it does not reach down to 70).
    test = [(1000.0, 80.0), (2000.0, 90.0)]
    assert bd_rate(reference, test) == pytest.approx(-50.0)


def test_bd_rate_refuses_curves_that_do_not_overlap() -> None:
    with pytest.raises(MediaError, match="no common quality range"):
        bd_rate([(100.0, 50.0), (200.0, 60.0)], [(300.0, 70.0), (400.0, 80.0)])
    with pytest.raises(MediaError, match="two points"):
        bd_rate([(100.0, 50.0)], [(300.0, 70.0), (400.0, 80.0)])


def test_per_title_is_the_default_and_fixed_or_a_list_keeps_a_fixed_ladder(tmp_path: Path) -> None:
    assert per_title(load_settings(data_dir=tmp_path))
    fixed = load_settings(data_dir=tmp_path, media_ladder="fixed")
    assert not per_title(fixed)
    assert ladder_spec(fixed).rungs == DEFAULT_LADDER.rungs
    rung = {"name": "360p", "width": 640, "height": 360, "video_bitrate_kbps": 700}
    assert not per_title(load_settings(data_dir=tmp_path, media_ladder=[rung]))


def test_no_rung_spends_more_than_the_fixed_ladders_top_rung() -> None:
    """Probes dearer than the fixed ladder's top rendition never reach the hull (grain
    reached VMAF 95 at 720p only at 57 Mbit/s); a small size may spend more than the fixed
    table gives its own size (bikes: 416x176 at 278 kbit/s beat 640x272, fixed 145)."""
    grainy = [
        ProbePoint(width=1280, height=720, crf=21, kbps=57000, vmaf=94.5),
        ProbePoint(width=1280, height=720, crf=40, kbps=2900, vmaf=70.9),
        ProbePoint(width=768, height=432, crf=33, kbps=207, vmaf=60.6),
        ProbePoint(width=416, height=234, crf=21, kbps=278, vmaf=95.0),
    ]
    kept = affordable(grainy, plan_ladder(source(1280, 720), DEFAULT_LADDER))
    assert [(p.height, p.crf) for p in kept] == [(720, 40), (432, 33), (234, 21)]


def test_rungs_sit_between_the_probed_crfs_on_interpolated_curves() -> None:
    """Three probes a size; the CRFs between them are read off curves through the probes, so
    the top rung can sit near 95 where the probes jump from 92 to 99."""
    probes = [
        ProbePoint(width=640, height=360, crf=21, kbps=470, vmaf=98.8),
        ProbePoint(width=640, height=360, crf=30, kbps=185, vmaf=85.8),
        ProbePoint(width=640, height=360, crf=40, kbps=73, vmaf=46.5),
    ]
    curve = interpolate(probes)
    assert [p.crf for p in curve] == list(range(21, 41))
    assert [p for p in curve if p.crf in (21, 30, 40)] == probes
    rates = [p.kbps for p in curve]
    scores = [p.vmaf for p in curve]
    assert rates == sorted(rates, reverse=True)
    assert scores == sorted(scores, reverse=True)
    top = choose_rungs(convex_hull(curve))[0]
    assert 21 < top.crf < 30
    assert top.vmaf == pytest.approx(TOP_VMAF, abs=1.5)


def test_a_rung_chosen_from_all_probes_is_capped_at_the_top_fixed_rate() -> None:
    grainy = [
        ChosenRung(name="720p", width=1280, height=720, crf=21, kbps=57000, vmaf=94.5),
        ChosenRung(name="432p", width=768, height=432, crf=33, kbps=207, vmaf=60.6),
    ]
    [(top, _, _), (low, _, _)] = capped_rungs(
        grainy, plan_ladder(source(1280, 720), DEFAULT_LADDER)
    )
    assert (top.video_bitrate_kbps, top.crf) == (3000, None)  # the fixed 720p rung's rate
    assert (low.video_bitrate_kbps, low.crf) == (207, 33)
