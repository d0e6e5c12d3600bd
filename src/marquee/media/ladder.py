"""The encoding ladder: which renditions a source gets (see docs/media.md for the choices)."""

from __future__ import annotations

from fractions import Fraction

from pydantic import BaseModel, ConfigDict

from marquee.media.ffmpeg import MediaError
from marquee.media.probe import SourceInfo, VideoInfo
from marquee.settings import default_ladder

#: Frame rates a variable-frame-rate source is snapped to (its average picks the nearest).
STANDARD_RATES = tuple(
    Fraction(r) for r in ("15", "24000/1001", "24", "25", "30000/1001", "30", "50", "60")
)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Rung(_Model):
    """One step of a ladder: a 16:9 bounding box (landscape) and its average bit rate."""

    name: str
    width: int
    height: int
    video_bitrate_kbps: int


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
    """Renditions for ``info``: never upscaled, one display aspect ratio, a shared GOP."""
    if info.video is None:
        raise MediaError("ladder", "the source has no video stream")
    rate = output_rate(info.video, spec.max_fps)
    aspect = info.video.upright_aspect_ratio
    return LadderPlan(
        frame_rate=f"{rate.numerator}/{rate.denominator}",
        fps=float(rate),
        gop_frames=max(1, round(spec.gop_s * rate)),
        display_aspect_ratio=aspect,
        renditions=_renditions(display_size(info.video), aspect, spec),
    )


def _renditions(source: tuple[int, int], aspect: float, spec: LadderSpec) -> list[Rendition]:
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
    return [_rendition(rung, w, h, spec) for rung, w, h in sizes]


def _rendition(rung: Rung, width: int, height: int, spec: LadderSpec) -> Rendition:
    kbps = rung.video_bitrate_kbps
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
    )
