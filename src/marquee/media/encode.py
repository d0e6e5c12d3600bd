"""Encode renditions (H.264 High or AV1 Main + AAC-LC MP4s), whole or in GOP-aligned chunks.

Every rendition of a plan shares the frame rate and a fixed GOP (keyframe every
``plan.gop_frames`` frames, no scene-cut keyframes), so segment boundaries line up across the
ladder and chunks encoded apart join losslessly.
"""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from marquee.media.ffmpeg import DEFAULT_THREADS, MediaError, ProgressCallback, run_ffmpeg
from marquee.media.ladder import LadderPlan, Rendition
from marquee.media.probe import SourceInfo, VideoInfo, probe
from marquee.media.qc import TARGET_LRA_LU, TARGET_LUFS, TARGET_TRUE_PEAK_DBTP, Loudness

AUDIO_SAMPLE_RATE = 48000
AUDIO_CHANNELS = 2


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class EncodeResult(_Model):
    path: str
    width: int
    height: int
    frames: int
    duration_s: float
    bit_rate: int | None
    has_audio: bool


class Chunk(_Model):
    """A GOP-aligned part of the output timeline, encodable as its own job."""

    index: int
    start_frame: int
    frames: int
    start_s: float


def video_filter(video: VideoInfo, width: int, height: int, frame_rate: str | None) -> str:
    """Deinterlace, scale to square pixels, constant frame rate (unless ``frame_rate`` is
    None: stills and thumbnails keep the frames they are given).

    Rotation is applied by ffmpeg's autorotation (on by default), which also drops the
    display matrix so that players do not rotate the picture a second time.
    """
    steps = ["bwdif=mode=send_frame:deint=all"] if video.interlaced else []
    steps += [
        f"scale={width}:{height}:flags=lanczos",
        "setsar=1",
        *([f"fps={frame_rate}"] if frame_rate is not None else []),
        "format=yuv420p",
    ]
    return ",".join(steps)


def rendition_sar(plan: LadderPlan, rendition: Rendition) -> Fraction:
    """The sample aspect ratio that gives the rendition exactly the ladder's display aspect
    ratio: 1 when the even-rounded size has it already (every 16:9 rung), a hair off 1
    otherwise (2.35:1 at 416x176), because DASH wants one aspect ratio per adaptation set."""
    aspect = Fraction(plan.display_aspect_ratio).limit_denominator(1000)
    return aspect * rendition.height / rendition.width


def video_args(video: VideoInfo, plan: LadderPlan, rendition: Rendition, threads: int) -> list[str]:
    """Encoder options with a fixed, closed GOP and no scene-cut keyframes: x264 capped VBR
    (capped CRF for a per-title rung), or SVT-AV1 VBR for an AV1 rendition."""
    gop = str(plan.gop_frames)
    sar = rendition_sar(plan, rendition)
    vf = video_filter(video, rendition.width, rendition.height, plan.frame_rate)
    vf = vf.replace("setsar=1", f"setsar=sar={sar.numerator}/{sar.denominator}:max=65535")
    codec = av1_args(rendition) if rendition.codec == "av1" else h264_args(rendition, gop)
    return [
        "-vf", vf,
        *codec,
        "-g", gop,
        "-force_key_frames", f"expr:eq(mod(n,{gop}),0)",
        "-threads", str(threads),
    ]  # fmt: skip


#: x264 presets that leave trellis quantisation off (ultrafast, also off, has no CABAC, which
#: trellis needs).
NO_TRELLIS_PRESETS = frozenset({"superfast", "veryfast"})


def x264_params(preset: str) -> str:
    """x264's own options for every H.264 encode: no scene-cut key frames, closed GOPs, and
    trellis quantisation (``trellis=1``, as from preset "faster" on) where the preset leaves
    it off: at "veryfast", 6.7–10.1 % fewer bits at equal VMAF for 1–2 % more CPU
    (docs/media.md, *Trellis*)."""
    trellis = ":trellis=1" if preset in NO_TRELLIS_PRESETS else ""
    return f"scenecut=0:open-gop=0{trellis}"


def h264_args(rendition: Rendition, gop: str) -> list[str]:
    """x264: capped VBR or capped CRF, closed GOPs of exactly ``gop`` frames."""
    return [
        "-c:v", "libx264",
        "-profile:v", rendition.profile,
        "-preset", rendition.preset,
        *rate_args(rendition),
        "-maxrate", f"{rendition.maxrate_kbps}k",
        "-bufsize", f"{rendition.bufsize_kbits}k",
        "-keyint_min", gop,
        "-sc_threshold", "0",
        "-x264-params", x264_params(rendition.preset),
    ]  # fmt: skip


def av1_args(rendition: Rendition) -> list[str]:
    """SVT-AV1 (Main profile, 8 bits): capped CRF for the twin of a per-title rung, else VBR
    at the rendition's average rate (SVT-AV1 caps the peak only in CRF mode); key frames
    (closed GOPs: ``irefresh-type=2``) where the H.264 renditions have theirs and nowhere
    else (``scd=0``: no scene-cut key frames)."""
    if rendition.crf is None:
        rate = ["-b:v", f"{rendition.video_bitrate_kbps}k"]
    else:
        rate = [
            "-crf", str(rendition.crf),
            "-maxrate", f"{rendition.maxrate_kbps}k",
            "-bufsize", f"{rendition.bufsize_kbits}k",
        ]  # fmt: skip
    return [
        "-c:v", "libsvtav1",
        "-preset", rendition.preset,
        *rate,
        "-svtav1-params", "scd=0:irefresh-type=2",
    ]  # fmt: skip


def rate_args(rendition: Rendition) -> list[str]:
    """The average rate (capped VBR), or the probed CRF of a per-title rung (capped CRF)."""
    if rendition.crf is not None:
        return ["-crf", str(rendition.crf)]
    return ["-b:v", f"{rendition.video_bitrate_kbps}k"]


def audio_filter(loudness: Loudness | None) -> str:
    """To TARGET_LUFS from QC's measurement with one gain for the whole programme, then back to
    48 kHz. A gain that would push the true peak over the ceiling is left to loudnorm, which
    then compresses (dynamic mode); digitally silent tracks are left alone.
    """
    resample = f"aresample={AUDIO_SAMPLE_RATE}"
    if loudness is None or loudness.integrated_lufs is None or loudness.true_peak_dbtp is None:
        return resample
    gain_db = TARGET_LUFS - loudness.integrated_lufs
    if loudness.true_peak_dbtp + gain_db <= TARGET_TRUE_PEAK_DBTP:
        return f"volume={gain_db:.2f}dB,{resample}"
    return (
        f"loudnorm=I={TARGET_LUFS}:TP={TARGET_TRUE_PEAK_DBTP}:LRA={TARGET_LRA_LU}"
        f":measured_I={loudness.integrated_lufs}:measured_TP={loudness.true_peak_dbtp}"
        f":measured_LRA={loudness.lra_lu}:measured_thresh={loudness.threshold_lufs},{resample}"
    )


def audio_args(track: int, bitrate_kbps: int, loudness: Loudness | None) -> list[str]:
    """AAC-LC stereo 48 kHz from the ``track``-th audio stream of input 0."""
    return [
        "-map", f"0:a:{track}",
        "-af", audio_filter(loudness),
        "-c:a", "aac",
        "-b:a", f"{bitrate_kbps}k",
        "-ac", str(AUDIO_CHANNELS),
    ]  # fmt: skip


def _mp4_args(out: Path) -> list[str]:
    return ["-map_metadata", "-1", "-map_chapters", "-1", "-movflags", "+faststart", str(out)]


def _source_video(info: SourceInfo) -> VideoInfo:
    if info.video is None:
        raise MediaError("encode", "the source has no video stream")
    return info.video


def encode_rendition(
    source: Path,
    info: SourceInfo,
    plan: LadderPlan,
    rendition: Rendition,
    out: Path,
    *,
    loudness: Loudness | None = None,
    threads: int = DEFAULT_THREADS,
    on_progress: ProgressCallback | None = None,
) -> EncodeResult:
    """Encode one rendition with the first audio track; video-only if the source has none."""
    video = _source_video(info)
    args = ["-i", str(source), "-map", "0:v:0", *video_args(video, plan, rendition, threads)]
    if info.audio:
        args += audio_args(0, rendition.audio_bitrate_kbps, loudness)
    run_ffmpeg(
        [*args, *_mp4_args(out)], step="encode", duration_s=info.duration_s, on_progress=on_progress
    )
    return describe_output(out)


def ladder_outputs(
    info: SourceInfo,
    plan: LadderPlan,
    inputs: list[str],
    outs: list[Path],
    *,
    threads: int = DEFAULT_THREADS,
) -> tuple[list[str], list[str]]:
    """Filter chains and output options encoding every rendition of ``plan`` (video only)
    from the filter-graph labels ``inputs`` (one per rendition: the source ``split``).

    Same pictures and x264 options as :func:`encode_rendition`, so either may be used.
    """
    video = _source_video(info)
    if not len(inputs) == len(outs) == len(plan.renditions):
        raise MediaError("encode", "one input label and output path per rendition is needed")
    graph, args = [], []
    for n, (rendition, label, out) in enumerate(zip(plan.renditions, inputs, outs, strict=True)):
        options = video_args(video, plan, rendition, threads)
        vf = options.index("-vf")
        graph.append(f"{label}{options[vf + 1]}[v{n}]")
        args += ["-map", f"[v{n}]", *options[:vf], *options[vf + 2 :], *_mp4_args(out)]
    return graph, args


def encode_audio(
    source: Path,
    info: SourceInfo,
    track: int,
    bitrate_kbps: int,
    out: Path,
    *,
    loudness: Loudness | None = None,
    on_progress: ProgressCallback | None = None,
) -> EncodeResult:
    """Encode the ``track``-th audio stream alone (extra languages, chunked encodes)."""
    if track >= len(info.audio):
        raise MediaError("encode", f"the source has no audio track {track}")
    language = info.audio[track].language or "und"
    args = ["-i", str(source), *audio_args(track, bitrate_kbps, loudness)]
    args += ["-metadata:s:a:0", f"language={language}"]
    run_ffmpeg(
        [*args, *_mp4_args(out)], step="encode", duration_s=info.duration_s, on_progress=on_progress
    )
    return describe_output(out)


def plan_chunks(info: SourceInfo, plan: LadderPlan, chunk_s: float) -> list[Chunk]:
    """Cut the output timeline into chunks of ``chunk_s`` rounded to whole GOPs."""
    chunk_frames = max(1, round(chunk_s / plan.gop_s)) * plan.gop_frames
    total = round(info.duration_s * plan.fps)
    return [
        Chunk(
            index=i,
            start_frame=start,
            frames=min(chunk_frames, total - start),
            start_s=start / plan.fps,
        )
        for i, start in enumerate(range(0, total, chunk_frames))
    ]


def encode_chunk(
    source: Path,
    info: SourceInfo,
    plan: LadderPlan,
    rendition: Rendition,
    chunk: Chunk,
    out: Path,
    *,
    threads: int = DEFAULT_THREADS,
    on_progress: ProgressCallback | None = None,
) -> EncodeResult:
    """Encode the video of one chunk; audio is encoded whole (AAC priming would click at joins)."""
    video = _source_video(info)
    args = ["-ss", f"{chunk.start_s:.6f}", "-i", str(source), "-map", "0:v:0"]
    args += [*video_args(video, plan, rendition, threads), "-frames:v", str(chunk.frames), "-an"]
    run_ffmpeg(
        [*args, *_mp4_args(out)],
        step="encode",
        duration_s=chunk.frames / plan.fps,
        on_progress=on_progress,
    )
    return describe_output(out)


def join_chunks(chunks: list[Path], out: Path, *, audio: Path | None = None) -> EncodeResult:
    """Join chunk MP4s in order without re-encoding (concat demuxer), muxing in ``audio``."""
    if not chunks:
        raise MediaError("encode", "no chunks to join")
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "chunks.txt"
        listing.write_text("".join(f"file '{_concat_escape(p)}'\n" for p in chunks))
        args = ["-f", "concat", "-safe", "0", "-i", str(listing)]
        maps = ["-map", "0:v:0"]
        if audio is not None:
            args += ["-i", str(audio)]
            maps += ["-map", "1:a:0"]
        run_ffmpeg([*args, *maps, "-c", "copy", *_mp4_args(out)], step="encode")
    return describe_output(out)


def _concat_escape(path: Path) -> str:
    """Quote a path for the concat demuxer's ``file '...'`` lines."""
    return str(path.resolve()).replace("'", "'\\''")


def describe_output(path: Path) -> EncodeResult:
    """Probe an encoded MP4 into an EncodeResult."""
    info = probe(path)
    video = info.video
    frames = video.frame_count if video is not None else 0
    return EncodeResult(
        path=str(path),
        width=video.width if video is not None else 0,
        height=video.height if video is not None else 0,
        frames=frames,
        duration_s=info.duration_s,
        bit_rate=info.bit_rate,
        has_audio=bool(info.audio),
    )
