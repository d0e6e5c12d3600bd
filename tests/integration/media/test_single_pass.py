"""Ladder mode's single pass: one decode encodes the ladder, checks the source (QC) and
makes the thumbnails and the VMAF reference frames."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from marquee.media.ffmpeg import MediaError, run_ffmpeg
from marquee.media.ladder import LadderPlan, LadderSpec, plan_ladder
from marquee.media.probe import SourceInfo, probe
from marquee.media.qc import QCLimits
from marquee.media.single_pass import (
    SinglePass,
    encode_single_pass,
    vmaf_frames,
    vmaf_gop_every,
)
from marquee.media.vmaf import measure_vmaf_spread
from tests.integration.media.conftest import X264, Sources, tone, video

pytestmark = pytest.mark.slow
SENSITIVE = QCLimits(black_min_s=0.5, silence_min_s=0.5)


def planned(
    source: Path, ladder: LadderSpec, work: Path
) -> tuple[SourceInfo, LadderPlan, list[Path]]:
    """The source's probe, its ladder and where each rendition goes."""
    info = probe(source)
    plan = plan_ladder(info, ladder)
    return info, plan, [work / f"{r.name}.mp4" for r in plan.renditions]


def one_pass(
    source: Path,
    plan_of: tuple[SourceInfo, LadderPlan, list[Path]],
    work: Path,
    *,
    limits: QCLimits = SENSITIVE,
    every: int = 1,
) -> SinglePass:
    info, plan, outs = plan_of
    return encode_single_pass(
        source, info, plan, outs, work, limits=limits, trickplay_interval_s=1, vmaf_every=every
    )


def test_one_decode_encodes_checks_and_makes_thumbnails(
    sources: Sources, test_ladder: LadderSpec, tmp_path: Path
) -> None:
    source = sources.path("black_and_silence.mp4")
    info, plan, outs = plan_of = planned(source, test_ladder, tmp_path)
    every = vmaf_gop_every(info, plan, subsample=1, most=3)
    done = one_pass(source, plan_of, tmp_path, every=every)
    assert done.qc.passed, done.qc.problems
    [black] = done.qc.black_segments
    assert (black.start_s, black.end_s) == (
        pytest.approx(1.0, abs=0.1),
        pytest.approx(2.5, abs=0.1),
    )
    [silence] = done.qc.silent_segments
    assert silence.start_s == pytest.approx(2.0, abs=0.1)
    assert silence.end_s == pytest.approx(3.5, abs=0.1)
    [loudness] = done.qc.loudness
    assert loudness.integrated_lufs is not None
    assert done.qc.decoded_duration_s == pytest.approx(4, abs=0.1)
    assert [(e.width, e.height, e.frames, e.has_audio) for e in done.encodes] == [
        (320, 180, 100, False),
        (256, 144, 100, False),
    ]
    assert done.poster is not None
    assert done.poster.score > 0, "the poster is not a black frame"
    assert Path(done.poster.path).read_bytes()[:2] == b"\xff\xd8"
    assert done.trickplay is not None
    assert done.trickplay.count == 4
    assert (tmp_path / "thumbs" / "sprite-000.jpg").is_file()
    assert (tmp_path / "thumbs" / "thumbnails.vtt").read_text().count("#xywh=") == 4
    with av.open(done.reference_frames) as container:
        # the middles of the GOPs at 0 s and 2 s, each with the frame after it (VMAF's motion)
        assert sum(1 for _ in container.decode(video=0)) == 4
    frames, offset = vmaf_frames(plan, every)
    scores = measure_vmaf_spread(
        outs, Path(done.reference_frames), done.vmaf_size, every=frames, offset=offset
    )
    assert [s.frames_scored for s in scores] == [2, 2]
    assert all(0 < s.mean <= 100 for s in scores)
    assert scores[0].mean > scores[1].mean


def test_a_truncated_source_fails_qc(
    sources: Sources, test_ladder: LadderSpec, tmp_path: Path
) -> None:
    whole = tmp_path / "whole.mp4"
    args = [*video(), *tone(), *X264, "-c:a", "aac", "-movflags", "+faststart", str(whole)]
    run_ffmpeg(args, step="fixture")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    done = one_pass(cut, planned(cut, test_ladder, tmp_path), tmp_path, limits=QCLimits())
    assert not done.qc.passed
    assert any(p.startswith("truncated: only") for p in done.qc.problems), done.qc.problems
    assert done.encodes == []


def test_an_output_that_cannot_be_written_is_not_blamed_on_the_source(
    sources: Sources, test_ladder: LadderSpec, tmp_path: Path
) -> None:
    """A full disk or an unwritable output fails the run (the job is tried again) instead of
    failing the source's QC, which would reject it for good."""
    source = sources.path("h264_aac.mp4")
    plan_of = planned(source, test_ladder, tmp_path)
    plan_of[2][-1].mkdir()  # ffmpeg cannot open it for writing
    with pytest.raises(MediaError, match="Error opening output"):
        one_pass(source, plan_of, tmp_path)
