"""Probe a source file with PyAV (the imageio-ffmpeg wheel ships no ffprobe)."""

from __future__ import annotations

import itertools
import statistics
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from pydantic import BaseModel, ConfigDict

from marquee.media.ffmpeg import MediaError

#: Packets demuxed to judge whether the frame rate is variable.
_VFR_SAMPLE_PACKETS = 300
#: A frame interval further than this from the median one means variable frame rate.
_VFR_TOLERANCE = 0.1
_FIELD_ORDERS = {0: "unknown", 1: "progressive", 2: "tt", 3: "bb", 4: "tb", 5: "bt"}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class VideoInfo(_Model):
    index: int
    codec: str
    width: int
    height: int
    sample_aspect_ratio: float
    #: Width / height as shown, honouring the sample aspect ratio, before rotation.
    display_aspect_ratio: float
    #: Counter-clockwise display rotation in degrees: 0, 90, 180 or 270.
    rotation: int
    frame_rate: str
    fps: float
    vfr: bool
    interlaced: bool
    field_order: str
    pix_fmt: str | None
    bit_rate: int | None
    #: Frames the container declares (0 when it does not say, e.g. MPEG-PS or Matroska).
    frame_count: int

    @property
    def upright_aspect_ratio(self) -> float:
        """Display aspect ratio after rotation (portrait phone video is below 1)."""
        turned = self.rotation in (90, 270)
        return 1 / self.display_aspect_ratio if turned else self.display_aspect_ratio

    @property
    def upright_height(self) -> int:
        """Lines of picture after rotation: the height a ladder must not exceed."""
        return self.width if self.rotation in (90, 270) else self.height


class AudioTrack(_Model):
    index: int
    codec: str
    channels: int
    sample_rate: int
    language: str | None
    bit_rate: int | None


class SubtitleTrack(_Model):
    index: int
    codec: str
    language: str | None


class SourceInfo(_Model):
    container: str
    duration_s: float
    bit_rate: int | None
    size_bytes: int
    video: VideoInfo | None
    audio: list[AudioTrack]
    subtitles: list[SubtitleTrack]


def probe(path: Path) -> SourceInfo:
    """Describe the streams of ``path``; raise MediaError("probe", ...) if it is not media."""
    if not path.is_file():
        raise MediaError("probe", f"{path.name}: no such file")
    try:
        # A damaged file's tags may not be UTF-8: read them with replacement characters
        # rather than fail on a title tag.
        with av.open(str(path), metadata_errors="replace") as container:
            return _describe(container, path)
    except av.FFmpegError as exc:
        raise MediaError("probe", f"{path.name}: not a readable media file ({exc})") from exc


def _describe(container: Any, path: Path) -> SourceInfo:
    streams = container.streams
    if not streams.video and not streams.audio:
        raise MediaError("probe", f"{path.name}: no audio or video stream")
    video = _video(container, streams.video[0]) if streams.video else None
    return SourceInfo(
        container=container.format.name,
        duration_s=_duration(container),
        bit_rate=container.bit_rate or None,
        size_bytes=path.stat().st_size,
        video=video,
        audio=[_audio(s) for s in streams.audio],
        subtitles=[_subtitle(s) for s in streams.subtitles],
    )


def _duration(container: Any) -> float:
    if container.duration:
        return float(container.duration / av.time_base)
    ends = [float(s.duration * s.time_base) for s in container.streams if s.duration]
    return max(ends, default=0.0)


def _language(stream: Any) -> str | None:
    language = stream.metadata.get("language")
    return None if language in (None, "", "und") else str(language)


def _codec(stream: Any) -> str:
    """The codec's canonical name (``mp3``), not the decoder's (``mp3float``); MediaError when
    the file names no codec ffmpeg knows (a damaged or unsupported stream)."""
    context = stream.codec_context
    if context is None or context.codec is None:
        raise MediaError("probe", f"stream {stream.index} has an unknown or damaged codec")
    return str(context.codec.canonical_name)


def _subtitle(stream: Any) -> SubtitleTrack:
    return SubtitleTrack(index=stream.index, codec=_codec(stream), language=_language(stream))


def _audio(stream: Any) -> AudioTrack:
    ctx = stream.codec_context
    return AudioTrack(
        index=stream.index,
        codec=_codec(stream),
        channels=ctx.channels,
        sample_rate=ctx.sample_rate,
        language=_language(stream),
        bit_rate=ctx.bit_rate or None,
    )


def _video(container: Any, stream: Any) -> VideoInfo:
    ctx = stream.codec_context
    pts, first = _sample_packets(container, stream)
    rate = stream.average_rate or stream.guessed_rate or Fraction(25)
    sar = Fraction(stream.sample_aspect_ratio or ctx.sample_aspect_ratio or 1)
    field_order = _FIELD_ORDERS.get(int(ctx.field_order or 0), "unknown")
    interlaced = field_order not in ("progressive", "unknown") or bool(
        first is not None and first.interlaced_frame
    )
    return VideoInfo(
        index=stream.index,
        codec=_codec(stream),
        width=ctx.width,
        height=ctx.height,
        sample_aspect_ratio=float(sar),
        display_aspect_ratio=float(Fraction(ctx.width, ctx.height) * sar),
        rotation=_rotation(stream, first),
        frame_rate=f"{rate.numerator}/{rate.denominator}",
        fps=float(rate),
        vfr=_is_vfr(pts),
        interlaced=interlaced,
        field_order=field_order,
        pix_fmt=ctx.pix_fmt,
        bit_rate=ctx.bit_rate or _stream_bit_rate(stream),
        frame_count=stream.frames,
    )


def _stream_bit_rate(stream: Any) -> int | None:
    """Bit rate from the container's metadata (Matroska ``BPS`` tag) when the codec has none."""
    tag = stream.metadata.get("BPS") or stream.metadata.get("variant_bitrate")
    return int(tag) if tag and str(tag).isdigit() else None


def _sample_packets(container: Any, stream: Any) -> tuple[list[int], Any]:
    """Timestamps of the first packets, and the first decoded frame (for side data)."""
    pts: list[int] = []
    first = None
    for packet in container.demux(stream):
        if packet.pts is not None:
            pts.append(packet.pts)
        if first is None:
            first = next(iter(packet.decode()), None)
        if len(pts) >= _VFR_SAMPLE_PACKETS and first is not None:
            break
    return pts, first


def _is_vfr(pts: list[int]) -> bool:
    """True when the frame intervals differ by more than rounding (B-frames reordered)."""
    ordered = sorted(set(pts))
    steps = [b - a for a, b in itertools.pairwise(ordered)]
    if len(steps) < 2:
        return False
    median = statistics.median(steps)
    return any(abs(step - median) > _VFR_TOLERANCE * median for step in steps)


def _rotation(stream: Any, first: Any) -> int:
    """Display rotation from the frame's display matrix, else the legacy ``rotate`` tag.

    The tag counts clockwise, the display matrix counter-clockwise: hence the minus.
    """
    degrees = first.rotation if first is not None and first.rotation else 0
    if not degrees:
        tag = stream.metadata.get("rotate", "0")
        degrees = -int(tag) if tag.lstrip("-").isdigit() else 0
    return int(round(degrees / 90) * 90) % 360
