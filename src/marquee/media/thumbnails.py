"""Poster frame selection and trick-play sprite sheets with their WebVTT track."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
from pydantic import BaseModel, ConfigDict

from marquee.media.encode import video_filter
from marquee.media.ffmpeg import DEFAULT_THREADS, MediaError, run_ffmpeg
from marquee.media.ladder import display_size, fit
from marquee.media.probe import SourceInfo, VideoInfo

POSTER_NAME = "poster.jpg"
VTT_NAME = "thumbnails.vtt"
#: Candidate poster frames scored.
POSTER_CANDIDATES = 12
#: Size of the grey picture a candidate poster frame is scored on.
_SCORE_WIDTH, _SCORE_HEIGHT = 160, 90
#: Mean luma (0-255) outside this range means a black (or blown-out white) frame.
_MIN_LUMA, _MAX_LUMA = 24.0, 232.0


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Poster(_Model):
    path: str
    time_s: float
    score: float
    width: int
    height: int


class TrickPlay(_Model):
    vtt: str
    sheets: list[str]
    interval_s: float
    count: int
    tile_width: int
    tile_height: int
    columns: int
    rows: int


def frame_score(gray: bytes, width: int, height: int) -> float:
    """Variance of the Laplacian (sharpness), or 0 when the frame is near black or white.

    ``gray`` is ``width * height`` bytes of luma, row after row.
    """
    mean = sum(gray) / len(gray)
    if not _MIN_LUMA <= mean <= _MAX_LUMA:
        return 0.0
    total = squares = 0
    for y in range(1, height - 1):
        row = y * width
        for x in range(row + 1, row + width - 1):
            lap = 4 * gray[x] - gray[x - 1] - gray[x + 1] - gray[x - width] - gray[x + width]
            total += lap
            squares += lap * lap
    n = (width - 2) * (height - 2)
    return squares / n - (total / n) ** 2


def _video(info: SourceInfo) -> VideoInfo:
    if info.video is None:
        raise MediaError("thumbnails", "the source has no video stream")
    return info.video


def candidate_times(duration_s: float, count: int) -> list[float]:
    """``count`` instants spread over the middle 80 % (skipping logos and credits)."""
    if count == 1:
        return [duration_s / 2]
    return [duration_s * (0.1 + 0.8 * i / (count - 1)) for i in range(count)]


def choose_poster(
    source: Path,
    info: SourceInfo,
    out: Path,
    *,
    candidates: int = POSTER_CANDIDATES,
    max_width: int = 1280,
    max_height: int = 720,
) -> Poster:
    """Score ``candidates`` frames, write the best as a JPEG at most ``max_width`` wide."""
    video = _video(info)
    scored = list(_scored_frames(source, candidate_times(info.duration_s, candidates)))
    if not scored:
        raise MediaError("thumbnails", "no frame could be decoded for the poster")
    time_s, score = max(scored, key=lambda pair: pair[1])
    width, height = _fit_upright(video, max_width, max_height)
    vf = video_filter(video, width, height, frame_rate=None)
    args = ["-ss", f"{time_s:.3f}", "-i", str(source), "-frames:v", "1", "-vf", vf]
    run_ffmpeg([*args, "-q:v", "2", str(out)], step="thumbnails")
    return Poster(path=str(out), time_s=time_s, score=score, width=width, height=height)


def poster_candidates_filter(
    info: SourceInfo,
    candidates: int = POSTER_CANDIDATES,
    max_width: int = 1280,
    max_height: int = 720,
) -> str:
    """A filter chain keeping the first frame at or after each candidate instant, at poster
    size: candidates written during another decode, for :func:`pick_poster`."""
    video = _video(info)
    picks = "+".join(
        f"gte(t\\,{t:.3f})*(isnan(prev_t)+lt(prev_t\\,{t:.3f}))"
        for t in candidate_times(info.duration_s, candidates)
    )
    width, height = _fit_upright(video, max_width, max_height)
    return f"select='{picks}',{video_filter(video, width, height, frame_rate=None)}"


def poster_candidates_output(out_dir: Path) -> list[str]:
    """Output options writing the frames of :func:`poster_candidates_filter` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return ["-q:v", "2", "-fps_mode", "passthrough", str(out_dir / "candidate-%02d.jpg")]


def pick_poster(
    info: SourceInfo, candidates_dir: Path, out: Path, candidates: int = POSTER_CANDIDATES
) -> Poster:
    """Move the best of the JPEGs written by :func:`poster_candidates_output` to ``out``."""
    files = sorted(candidates_dir.glob("candidate-*.jpg"))
    if not files:
        raise MediaError("thumbnails", "no frame could be decoded for the poster")
    times = candidate_times(info.duration_s, candidates)
    scored = [(_jpeg_score(path), time_s, path) for path, time_s in zip(files, times, strict=False)]
    (score, width, height), time_s, best = max(scored, key=lambda item: item[0][0])
    best.replace(out)
    return Poster(path=str(out), time_s=time_s, score=score, width=width, height=height)


def _jpeg_score(path: Path) -> tuple[float, int, int]:
    """Score of a candidate JPEG, and its size."""
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return frame_score(_gray(frame), _SCORE_WIDTH, _SCORE_HEIGHT), frame.width, frame.height


def _fit_upright(video: VideoInfo, max_width: int, max_height: int) -> tuple[int, int]:
    """The source's upright display size, shrunk (never grown) into the box."""
    width, height = display_size(video)
    box = (max_height, max_width) if width < height else (max_width, max_height)
    return fit(min(box[0], width), min(box[1], height), width / height)


def _scored_frames(source: Path, times: list[float]) -> Iterator[tuple[float, float]]:
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        for t in times:
            frame = _frame_at(container, stream, t)
            if frame is not None:
                yield t, frame_score(_gray(frame), _SCORE_WIDTH, _SCORE_HEIGHT)


def _frame_at(container: Any, stream: Any, time_s: float) -> Any:
    """The first frame at or after ``time_s`` (seek to the keyframe before, decode on)."""
    container.seek(int(time_s / stream.time_base), stream=stream)
    last = None
    for frame in container.decode(stream):
        last = frame
        if frame.time is not None and frame.time >= time_s:
            break
    return last


def _gray(frame: Any) -> bytes:
    """Luma bytes of the frame scaled to the scoring size, without line padding."""
    small = frame.reformat(width=_SCORE_WIDTH, height=_SCORE_HEIGHT, format="gray")
    plane = small.planes[0]
    data = bytes(plane)
    return b"".join(
        data[y * plane.line_size : y * plane.line_size + _SCORE_WIDTH] for y in range(_SCORE_HEIGHT)
    )


def plan_trickplay(
    info: SourceInfo,
    *,
    interval_s: float = 10.0,
    tile_width: int = 160,
    columns: int = 10,
    rows: int = 10,
) -> TrickPlay:
    """How many thumbnails of what size on which sheets (one every ``interval_s``)."""
    width, height = display_size(_video(info))
    count = max(1, math.ceil(info.duration_s / interval_s))
    return TrickPlay(
        vtt=VTT_NAME,
        sheets=[f"sprite-{n:03d}.jpg" for n in range(math.ceil(count / (columns * rows)))],
        interval_s=interval_s,
        count=count,
        tile_width=tile_width,
        tile_height=max(2, round(tile_width * height / width / 2) * 2),
        columns=columns,
        rows=rows,
    )


def trickplay_filter(video: VideoInfo, play: TrickPlay) -> str:
    """The filter chain from the decoded picture to the tiled sheets.

    The end is padded with its last frame and the thumbnails cut at a known count, so the
    WebVTT track always matches the sheets: thumbnail k shows instant k * interval_s.
    Frames are picked before scaling (and deinterlacing): only the thumbnails are scaled.
    """
    steps = [
        f"tpad=stop_mode=clone:stop_duration={play.interval_s}",
        f"fps=1/{play.interval_s}:round=up",
        f"trim=end_frame={play.count}",
        video_filter(video, play.tile_width, play.tile_height, frame_rate=None),
        f"tile={play.columns}x{play.rows}",
    ]
    return ",".join(steps)


def trickplay_output(out_dir: Path) -> list[str]:
    """Output options writing the sheets of :func:`trickplay_filter` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pattern = out_dir / "sprite-%03d.jpg"
    return ["-q:v", "4", "-fps_mode", "passthrough", "-start_number", "0", str(pattern)]


def write_trickplay_vtt(play: TrickPlay, out_dir: Path, duration_s: float) -> None:
    (out_dir / play.vtt).write_text(thumbnails_vtt(play, duration_s))


def make_trickplay(
    source: Path,
    info: SourceInfo,
    out_dir: Path,
    *,
    interval_s: float = 10.0,
    tile_width: int = 160,
    columns: int = 10,
    rows: int = 10,
    threads: int = DEFAULT_THREADS,
) -> TrickPlay:
    """One thumbnail every ``interval_s``, tiled into ``columns`` x ``rows`` JPEG sheets."""
    play = plan_trickplay(
        info, interval_s=interval_s, tile_width=tile_width, columns=columns, rows=rows
    )
    vf = trickplay_filter(_video(info), play)
    args = ["-threads", str(threads), "-i", str(source), "-vf", vf, *trickplay_output(out_dir)]
    run_ffmpeg(args, step="thumbnails", duration_s=info.duration_s)
    write_trickplay_vtt(play, out_dir, info.duration_s)
    return play


def vtt_timestamp(seconds: float) -> str:
    """``HH:MM:SS.mmm`` as WebVTT wants it."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def thumbnails_vtt(play: TrickPlay, duration_s: float) -> str:
    """A WebVTT track whose cue k points at thumbnail k: ``sheet.jpg#xywh=x,y,w,h``."""
    per_sheet = play.columns * play.rows
    w, h = play.tile_width, play.tile_height
    cues = ["WEBVTT", ""]
    for k in range(play.count):
        start, end = k * play.interval_s, min((k + 1) * play.interval_s, duration_s)
        sheet, position = divmod(k, per_sheet)
        row, column = divmod(position, play.columns)
        cues += [
            f"{vtt_timestamp(start)} --> {vtt_timestamp(end)}",
            f"{play.sheets[sheet]}#xywh={column * w},{row * h},{w},{h}",
            "",
        ]
    return "\n".join(cues)
