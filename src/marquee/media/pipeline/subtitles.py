"""Subtitles for ``media.analyse``: the source's text subtitle tracks and the ``--subtitles``
files, converted to WebVTT (which checks them); picture subtitles are skipped with a warning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marquee.kit.storage import ObjectNotFound, ObjectStore
from marquee.media.ffmpeg import MediaError, run_ffmpeg
from marquee.media.pipeline.runner import InputRejected, StepRun, error_reason
from marquee.media.probe import SourceInfo

#: Subtitle codecs that are pictures, which WebVTT cannot carry.
BITMAP_SUBTITLES = frozenset({"hdmv_pgs_subtitle", "dvd_subtitle", "dvb_subtitle", "xsub"})


def convert_subtitles(
    storage: ObjectStore,
    info: SourceInfo,
    source: Path,
    inputs: list[dict[str, Any]],
    tmp: Path,
    run: StepRun,
    qc: dict[str, Any],
) -> list[dict[str, Any]]:
    """Embedded text subtitles and ``--subtitles`` files, converted to WebVTT (checks them)."""
    found: list[dict[str, Any]] = []
    for n, track in enumerate(info.subtitles):
        language = track.language or "und"
        if track.codec in BITMAP_SUBTITLES:
            qc["warnings"].append(f"subtitle track {track.index} ({track.codec}) is a picture")
            continue
        name = f"subtitles-{len(found)}.vtt"
        try:
            _to_webvtt(source, n, tmp / name)
        except MediaError as exc:
            qc["warnings"].append(f"subtitle track {track.index} skipped: {exc.reason}")
            continue
        found.append({"language": language, "file": name})
    for n, item in enumerate(inputs):
        language, key = item["language"], item["key"]
        path = tmp / f"subtitle-input-{n}{Path(key).suffix}"
        name = f"subtitles-{len(found)}.vtt"
        try:
            storage.download_to(key, str(path))
            _to_webvtt(path, 0, tmp / name)
        except (MediaError, ObjectNotFound) as exc:
            reason = f"subtitles {language}: not a subtitle file ({error_reason(exc)})"
            raise InputRejected(reason) from exc
        found.append({"language": language, "file": name})
    for sub in found:
        run.log(f"subtitles {sub['language']}: ok")
    return found


def _to_webvtt(path: Path, stream: int, out: Path) -> None:
    run_ffmpeg(
        ["-i", str(path), "-map", f"0:s:{stream}", "-c:s", "webvtt", str(out)], step="subtitles"
    )
