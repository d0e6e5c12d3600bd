"""The encoding ladder: which renditions a source gets (see docs/media.md for the choices)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict

from marquee.media.ffmpeg import MediaError
from marquee.media.probe import SourceInfo, VideoInfo
from marquee.settings import default_ladder

#: Bits a rendition needs grow slower than its pixel rate (bigger pictures code more cheaply
#: per pixel): a rung's cap is the source's rate times (pixel rate ratio) ** this.
PIXEL_RATE_EXPONENT = 0.75
#: Bits of the source codec worth this many H.264 bits at equal quality (others: 1).
CODEC_EFFICIENCY = {"hevc": 1.4, "vp9": 1.4, "av1": 1.6}
#: A rung is kept only if it spends this many times the bits of the next lower rung kept.
MIN_STEP = 1.2
#: Frame rates a variable-frame-rate source is snapped to (its average picks the nearest).
STANDARD_RATES = tuple(
    Fraction(r) for r in ("15", "24000/1001", "24", "25", "30000/1001", "30", "50", "60")
)
#: An AV1 rendition spends this share of its H.264 twin's average rate: SVT-AV1 then covers
#: the same qualities with fewer bits (bench/ladder.py: BD-rate −30 to −58 % at preset 10).
#: For the twin of a CRF rung it is the estimate of the rate and the cap's base.
AV1_RATE_SHARE = 0.7
#: The SVT-AV1 CRF of a CRF rung's twin: AV1_CRF_SLOPE × the x264 CRF + AV1_CRF_OFFSET,
#: rounded down. SVT-AV1's rate halves about every 9 CRF where x264's halves every 6, and
#: x264 CRF 21 scores as SVT-AV1 CRF 35 on bbb at 640x360 (docs/media.md, *AV1*).
AV1_CRF_SLOPE = 1.5
AV1_CRF_OFFSET = 3.5
#: AV1 clients get a rung for about every other H.264 one, at least 2 and at most
#: AV1_MAX_RUNGS, spread over the H.264 ladder's rates (:func:`av1_twins`): SVT-AV1 costs
#: more CPU per picture than x264 (the twins of every rung cost more than the fixed ladder
#: on 6 s clips), so its clients get fewer, wider-spaced rungs.
AV1_MAX_RUNGS = 3
AV1_MIN_RUNGS = 2
#: SVT-AV1 at the set preset costs about twice x264's CPU per picture (at preset 9 against
#: x264 veryfast: 1.85-2.12x at 640x360 and smaller sizes, 1.2x at 720p): twins holding more
#: than this share of the fixed ladder's pixels (every rung of a source of two fixed rungs,
#: such as CIF) would cost over 1.5x the fixed ladder on their own, and with the per-title
#: H.264 set over 3x. They run one preset faster: 0.72-0.80x the CPU for 9-14 % more bits,
#: where AV1 saves 33-52 % (docs/media.md, *Sources of two fixed rungs*).
AV1_PIXEL_SHARE = 0.75
AV1_FASTEST_PRESET = 13
#: Name prefix (and folder prefix) of the AV1 renditions: ``av1-720p``.
AV1_PREFIX = "av1-"
Codec = Literal["h264", "av1"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Rung(_Model):
    """One step of a ladder: a 16:9 bounding box (landscape) and its average bit rate."""

    name: str
    width: int
    height: int
    video_bitrate_kbps: int
    #: Capped CRF at this x264 CRF (a per-title rung, as probed) instead of capped VBR.
    crf: int | None = None


class LadderSpec(_Model):
    rungs: tuple[Rung, ...]
    audio_bitrate_kbps: int = 128
    profile: str = "high"
    preset: str = "slow"
    #: Capped VBR: peak rate and VBV buffer as multiples of the average rate.
    maxrate_factor: float = 1.5
    bufsize_factor: float = 3.0
    gop_s: float = 2.0
    max_fps: float = 60.0


class Rendition(_Model):
    name: str
    width: int
    height: int
    video_bitrate_kbps: int
    maxrate_kbps: int
    bufsize_kbits: int
    audio_bitrate_kbps: int
    profile: str
    preset: str
    #: Capped CRF (per-title rungs and their AV1 twins): the x264 CRF as probed, or the
    #: SVT-AV1 CRF standing for it; peak rate and buffer as in VBR.
    crf: int | None = None
    #: ``h264`` (x264, ``preset`` an x264 preset) or ``av1`` (SVT-AV1, ``preset`` 0–13).
    codec: Codec = "h264"


class LadderPlan(_Model):
    """Renditions plus what all of them share: frame rate and GOP (aligned segments)."""

    frame_rate: str
    fps: float
    gop_frames: int
    display_aspect_ratio: float
    renditions: list[Rendition]

    @property
    def gop_s(self) -> float:
        return self.gop_frames / self.fps


#: The ladder of the settings' default (``MARQUEE_MEDIA_LADDER``).
DEFAULT_LADDER = LadderSpec(rungs=tuple(Rung.model_validate(r) for r in default_ladder()))


def even(value: float) -> int:
    """Nearest even integer, at least 2 (4:2:0 chroma needs even dimensions)."""
    return max(2, round(value / 2) * 2)


def fit(box_w: int, box_h: int, aspect: float) -> tuple[int, int]:
    """Largest even size of ``aspect`` (width/height) inside the box."""
    if aspect >= box_w / box_h:
        return even(box_w), even(box_w / aspect)
    return even(box_h * aspect), even(box_h)


def display_size(video: VideoInfo) -> tuple[int, int]:
    """Upright, square-pixel size of the source picture (its lines kept, width from DAR)."""
    lines = video.upright_height
    aspect = video.upright_aspect_ratio
    return even(lines * aspect), even(lines)


def output_rate(video: VideoInfo, max_fps: float) -> Fraction:
    """Constant output frame rate: the source's, snapped to a standard one if variable,
    halved until it is at most ``max_fps``."""
    rate = Fraction(video.frame_rate)
    if video.vfr:
        rate = min(STANDARD_RATES, key=lambda r: abs(float(r) - video.fps))
    while rate > max_fps:
        rate /= 2
    return rate


def plan_ladder(info: SourceInfo, spec: LadderSpec = DEFAULT_LADDER) -> LadderPlan:
    """Renditions for ``info``: never upscaled, one display aspect ratio, a shared GOP, no
    rung spending more bits than the source carries (:func:`source_cap_kbps`)."""
    return plan_rungs(info, spec, rung_sizes(info, spec))


def with_av1(
    plan: LadderPlan,
    preset: int,
    max_rungs: int = AV1_MAX_RUNGS,
    fixed: LadderPlan | None = None,
) -> LadderPlan:
    """``plan`` plus AV1 twins of some of its H.264 renditions (:func:`av1_twins`): the same
    size, frame rate and GOP (so segments line up across both sets), at
    :data:`AV1_RATE_SHARE` of the twin's average rate (a per-title rung's probed rate) and
    peak; the twin of a per-title (CRF) rung is capped CRF at :func:`av1_crf` of its CRF.
    SVT-AV1 ``preset``, or the next faster one where the twins hold over
    :data:`AV1_PIXEL_SHARE` of the pixels of ``fixed`` (the source's fixed ladder; ``plan``
    when it is that ladder)."""
    h264 = [rendition for rendition in plan.renditions if rendition.codec == "h264"]
    rungs = min(max_rungs, max(AV1_MIN_RUNGS, math.ceil(len(h264) / 2)))
    chosen = av1_twins(h264, rungs)
    if _pixels(chosen) > AV1_PIXEL_SHARE * _pixels((fixed or plan).renditions):
        preset = min(AV1_FASTEST_PRESET, preset + 1)
    twins = [
        rendition.model_copy(
            update={
                "name": AV1_PREFIX + rendition.name,
                "codec": "av1",
                "preset": str(preset),
                "crf": None if rendition.crf is None else av1_crf(rendition.crf),
                "video_bitrate_kbps": max(1, round(rendition.video_bitrate_kbps * AV1_RATE_SHARE)),
                "maxrate_kbps": max(1, round(rendition.maxrate_kbps * AV1_RATE_SHARE)),
                "bufsize_kbits": max(1, round(rendition.bufsize_kbits * AV1_RATE_SHARE)),
            }
        )
        for rendition in chosen
    ]
    return plan.model_copy(update={"renditions": [*plan.renditions, *twins]})


def _pixels(renditions: list[Rendition]) -> int:
    return sum(r.width * r.height for r in renditions if r.codec == "h264")


def av1_crf(x264_crf: int) -> int:
    """The SVT-AV1 CRF (0–63) that stands for x264's ``x264_crf`` in an AV1 twin."""
    return min(63, max(1, math.floor(AV1_CRF_SLOPE * x264_crf + AV1_CRF_OFFSET)))


def av1_twins(renditions: list[Rendition], rungs: int) -> list[Rendition]:
    """The ``rungs`` renditions (all if fewer; highest first) that get an AV1 twin: the top,
    the bottom (what the slowest networks get) and between them those nearest even steps of
    the log rate."""
    if len(renditions) <= rungs:
        return list(renditions)
    logs = [math.log(rendition.video_bitrate_kbps) for rendition in renditions]
    chosen = {0, len(renditions) - 1}
    for n in range(1, rungs - 1):
        target = logs[0] - n * (logs[0] - logs[-1]) / (rungs - 1)
        left = [i for i in range(len(renditions)) if i not in chosen]
        chosen.add(min(left, key=lambda i: abs(logs[i] - target)))
    return [renditions[i] for i in sorted(chosen)]


def rung_sizes(info: SourceInfo, spec: LadderSpec) -> list[tuple[Rung, int, int]]:
    """Each rung of ``spec`` that fits in the source, with its size at the source's aspect."""
    if info.video is None:
        raise MediaError("ladder", "the source has no video stream")
    return _sizes(display_size(info.video), info.video.upright_aspect_ratio, spec)


def plan_rungs(
    info: SourceInfo, spec: LadderSpec, sizes: list[tuple[Rung, int, int]]
) -> LadderPlan:
    """The plan of rungs already sized (highest first): capped at what the source carries,
    thinned to distinct steps, sharing the output frame rate and GOP. A CRF rung (per title)
    is not capped: its rate was measured on this source at this size, while the cap is an
    estimate that cut bikes' 416x176 CRF 21 rung (278 kbit/s) to 224 and so thinned it."""
    if info.video is None:
        raise MediaError("ladder", "the source has no video stream")
    rate = output_rate(info.video, spec.max_fps)
    capped = [
        (rung, w, h, min(rung.video_bitrate_kbps, source_cap_kbps(info, w, h, float(rate))))
        if rung.crf is None
        else (rung, w, h, rung.video_bitrate_kbps)
        for rung, w, h in sizes
    ]
    return LadderPlan(
        frame_rate=f"{rate.numerator}/{rate.denominator}",
        fps=float(rate),
        gop_frames=max(1, round(spec.gop_s * rate)),
        display_aspect_ratio=info.video.upright_aspect_ratio,
        renditions=[_rendition(rung, w, h, kbps, spec) for rung, w, h, kbps in _distinct(capped)],
    )


def source_video_kbps(info: SourceInfo) -> float | None:
    """The source's video bit rate: the stream's, else the container's less its audio."""
    if info.video is None:
        return None
    if info.video.bit_rate:
        return info.video.bit_rate / 1000
    if info.bit_rate:
        audio = sum(track.bit_rate or 0 for track in info.audio)
        return max(info.bit_rate - audio, 0) / 1000 or None
    return None


def source_cap_kbps(info: SourceInfo, width: int, height: int, fps: float) -> float:
    """The most bits a rendition of ``width``×``height`` at ``fps`` may spend: what the source
    carries (its video bit rate, times :data:`CODEC_EFFICIENCY` for codecs that carry more
    picture per bit than H.264), scaled by the ratio of pixel rates (pixels × frames a second)
    to the power :data:`PIXEL_RATE_EXPONENT`. Unbounded when the source's rate is unknown."""
    kbps = source_video_kbps(info)
    if kbps is None or info.video is None:
        return math.inf
    source_rate = info.video.width * info.video.height * (info.video.fps or fps)
    ratio = min(1.0, width * height * fps / source_rate)
    return float(kbps * CODEC_EFFICIENCY.get(info.video.codec, 1.0) * ratio**PIXEL_RATE_EXPONENT)


def _distinct(
    capped: list[tuple[Rung, int, int, float]],
) -> list[tuple[Rung, int, int, int]]:
    """Rungs (highest first) that spend at least :data:`MIN_STEP` times the bits of the next
    lower one kept: a rung capped down to about its lower neighbour's rate adds storage and a
    switch without a step in quality. The lowest rung is always kept."""
    kept: list[tuple[Rung, int, int, int]] = []
    for rung, width, height, kbps in reversed(capped):
        rounded = max(1, round(kbps))
        if not kept or rounded >= MIN_STEP * kept[-1][3]:
            kept.append((rung, width, height, rounded))
    return kept[::-1]


def _sizes(source: tuple[int, int], aspect: float, spec: LadderSpec) -> list[tuple[Rung, int, int]]:
    portrait = aspect < 1
    sizes = []
    for rung in spec.rungs:
        box = (rung.height, rung.width) if portrait else (rung.width, rung.height)
        width, height = fit(*box, aspect)
        if width <= source[0] and height <= source[1]:
            sizes.append((rung, width, height))
    if not sizes:
        smallest = spec.rungs[-1]
        sizes = [(smallest.model_copy(update={"name": f"{min(source)}p"}), *source)]
    return sizes


def _rendition(rung: Rung, width: int, height: int, kbps: int, spec: LadderSpec) -> Rendition:
    return Rendition(
        name=rung.name,
        width=width,
        height=height,
        video_bitrate_kbps=kbps,
        maxrate_kbps=round(kbps * spec.maxrate_factor),
        bufsize_kbits=round(kbps * spec.bufsize_factor),
        audio_bitrate_kbps=spec.audio_bitrate_kbps,
        profile=spec.profile,
        preset=spec.preset,
        crf=rung.crf,
    )
