"""Loudness: what QC reads from ffmpeg's log, and the gain the encoder applies."""

from __future__ import annotations

from marquee.media.encode import audio_filter
from marquee.media.probe import AudioTrack
from marquee.media.qc import Loudness, QCLimits, qc_report
from tests.unit.media.test_ladder import source


def summary(track: int, integrated: str, threshold: str, peak: str) -> str:
    """ebur128's closing summary, as ffmpeg 9 logs it at level info."""
    return (
        f"[ebur128@a{track} @ 0x7f0004001d80] [info] Summary:\n\n"
        f"  Integrated loudness:\n    I:         {integrated} LUFS\n"
        f"    Threshold: {threshold} LUFS\n\n"
        "  Loudness range:\n    LRA:         3.5 LU\n    Threshold: -41.8 LUFS\n"
        "    LRA low:   -23.1 LUFS\n    LRA high:  -19.6 LUFS\n\n"
        f"  True peak:\n    Peak:      {peak} dBFS\n"
    )


def measured(integrated: float, peak: float) -> Loudness:
    return Loudness(
        track_index=1,
        integrated_lufs=integrated,
        true_peak_dbtp=peak,
        lra_lu=3.5,
        threshold_lufs=integrated - 10,
    )


def test_each_track_gets_its_own_summary_and_silence_is_none() -> None:
    tracks = [
        AudioTrack(
            index=n, codec="aac", channels=2, sample_rate=48000, language=None, bit_rate=None
        )
        for n in (1, 2)
    ]
    info = source().model_copy(update={"audio": tracks})
    log = summary(1, "-70.0", "0.0", "-inf") + summary(0, "-21.8", "-31.8", "-5.2")
    report = qc_report(info, QCLimits(), log, info.duration_s)
    first, second = report.loudness
    assert first.track_index == 1
    assert (first.integrated_lufs, first.true_peak_dbtp, first.lra_lu) == (-21.8, -5.2, 3.5)
    assert first.threshold_lufs == -31.8
    assert second.integrated_lufs is None
    assert second.true_peak_dbtp is None
    assert "audio track 2 is digitally silent" in report.warnings


def test_a_programme_is_brought_to_the_target_with_one_gain() -> None:
    assert audio_filter(measured(-30.0, -12.0)).startswith("volume=7.00dB,")
    assert audio_filter(measured(-16.5, -2.0)).startswith("volume=-6.50dB,")


def test_a_gain_that_would_clip_is_left_to_loudnorm() -> None:
    chain = audio_filter(measured(-35.0, -3.0))  # +12 dB would peak at +9 dBTP
    assert chain.startswith("loudnorm=I=-23.0:TP=-1.0:")
    assert "linear" not in chain


def test_silence_is_only_resampled() -> None:
    silent = Loudness(
        track_index=1, integrated_lufs=None, true_peak_dbtp=None, lra_lu=0, threshold_lufs=None
    )
    assert audio_filter(silent) == "aresample=48000"
    assert audio_filter(None) == "aresample=48000"
