"""Quality control on real files: integrity, bounds, black/silent stretches, loudness."""

from __future__ import annotations

from pathlib import Path

import pytest

from marquee.media.ffmpeg import run_ffmpeg
from marquee.media.probe import probe
from marquee.media.qc import QCLimits, run_qc
from tests.integration.media.conftest import X264, Sources, tone, video

SENSITIVE = QCLimits(black_min_s=0.5, silence_min_s=0.5)


def test_clean_source_passes(sources: Sources) -> None:
    path = sources.path("h264_aac.mp4")
    fractions: list[float] = []
    report = run_qc(path, probe(path), SENSITIVE, on_progress=fractions.append)
    assert report.passed, report.problems
    assert report.problems == []
    assert report.black_segments == []
    assert report.silent_segments == []
    assert report.decoded_duration_s == pytest.approx(4, abs=0.1)
    assert fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    [loudness] = report.loudness
    assert loudness.integrated_lufs is not None
    assert -30 < loudness.integrated_lufs < -15
    assert loudness.true_peak_dbtp is not None
    assert loudness.true_peak_dbtp < 0


def test_detects_black_and_silence(sources: Sources) -> None:
    path = sources.path("black_and_silence.mp4")
    report = run_qc(path, probe(path), SENSITIVE)
    assert report.passed
    [black] = report.black_segments
    assert black.start_s == pytest.approx(1.0, abs=0.1)
    assert black.end_s == pytest.approx(2.5, abs=0.1)
    [silence] = report.silent_segments
    assert silence.start_s == pytest.approx(2.0, abs=0.1)
    assert silence.end_s == pytest.approx(3.5, abs=0.1)
    assert any(w.startswith("black from 1.00") for w in report.warnings)
    assert any(w.startswith("silence from 2.0") for w in report.warnings)


def test_rejects_truncated_file(tmp_path: Path) -> None:
    whole = tmp_path / "whole.mp4"
    args = [*video(), *tone(), *X264, "-c:a", "aac", "-movflags", "+faststart", str(whole)]
    run_ffmpeg(args, step="fixture")
    data = whole.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    info = probe(cut)
    assert info.duration_s == pytest.approx(4, abs=0.1)
    report = run_qc(cut, info)
    assert not report.passed
    assert any(p.startswith("truncated: only") for p in report.problems), report.problems


def test_bounds(sources: Sources) -> None:
    path = sources.path("mpeg2_interlaced.mpg")
    limits = QCLimits(min_duration_s=3, max_width=256, min_fps=30)
    report = run_qc(path, probe(path), limits)
    assert not report.passed
    assert len(report.problems) == 3
    assert report.problems[0].startswith("duration 2.0")
    assert "outside 3..21600 s" in report.problems[0]
    assert report.problems[1] == "resolution 320x180 above 256x4320"
    assert report.problems[2].startswith("frame rate 25.000 outside 30..")
    assert "no audio track" not in report.warnings


def test_no_audio_is_a_warning(sources: Sources) -> None:
    path = sources.path("silent_video.mp4")
    report = run_qc(path, probe(path))
    assert report.passed
    assert report.warnings == ["no audio track"]
    assert report.loudness == []


def test_every_audio_track_is_measured(sources: Sources) -> None:
    path = sources.path("two_languages.mkv")
    report = run_qc(path, probe(path))
    assert [m.track_index for m in report.loudness] == [1, 2]
