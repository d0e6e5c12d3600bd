"""Tiny test sources made with ffmpeg's lavfi generators, built once per session on demand."""

from __future__ import annotations

from pathlib import Path

import pytest

from marquee.media.ffmpeg import run_ffmpeg
from marquee.media.ladder import LadderSpec, Rung
from marquee.media.probe import SourceInfo, probe


def video(
    size: str = "320x180", rate: str = "25", seconds: float = 4, extra: str = ""
) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d={seconds}{extra}"]


def tone(seconds: float = 4, freq: int = 440, extra: str = "") -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=f={freq}:d={seconds}{extra}"]


X264 = ["-c:v", "libx264", "-preset", "ultrafast"]
SRT = "1\n00:00:00,500 --> 00:00:01,500\nHello\n\n2\n00:00:02,000 --> 00:00:03,000\nWorld\n"

#: name -> ffmpeg arguments (inputs, then output options) that make it.
RECIPES: dict[str, list[str]] = {
    "h264_aac.mp4": [*video(), *tone(), *X264, "-c:a", "aac"],
    # Over the smallest rung: one a per-title ladder probes (two fixed rungs).
    "h264_aac_270p.mp4": [*video("480x270"), *tone(), *X264, "-c:a", "aac"],
    "hevc_ac3.mkv": [*video(seconds=2), *tone(2), "-c:v", "libx265", "-preset", "ultrafast",
                     "-x265-params", "log-level=error:pools=2", "-c:a", "ac3"],
    "vp9_opus.webm": [*video(seconds=2), *tone(2), "-c:v", "libvpx-vp9", "-deadline", "realtime",
                      "-cpu-used", "8", "-b:v", "200k", "-c:a", "libopus"],
    "av1_opus.mkv": [*video(seconds=2), *tone(2), "-c:v", "libsvtav1", "-preset", "12",
                     "-c:a", "libopus"],
    "mpeg2_interlaced.mpg": [*video(seconds=2), *tone(2), "-vf", "setfield=tff", "-c:v",
                             "mpeg2video", "-flags", "+ilme+ildct", "-c:a", "mp2"],
    "mpeg4_mp3.avi": [*video(seconds=2), *tone(2), "-c:v", "mpeg4", "-c:a", "libmp3lame"],
    "prores_pcm.mov": [*video(seconds=2), *tone(2), "-c:v", "prores_ks", "-profile:v", "0",
                       "-c:a", "pcm_s16le"],
    "rotated.mp4": ["-display_rotation:v:0", "90", "-noautorotate", *video(seconds=2), *X264],
    "anamorphic.mp4": [*video("240x180", seconds=2), "-vf", "setsar=4/3", *X264],
    "odd.mkv": [*video(seconds=2, extra=",scale=321:181"), "-c:v", "ffv1"],
    "vfr.mp4": [*video(rate="30", seconds=3), "-vf", "select='lt(n,30)+not(mod(n,3))'",
                "-fps_mode", "vfr", *X264],
    "silent_video.mp4": [*video(seconds=2), *X264],
    "two_languages.mkv": [*video(seconds=2), *tone(2), *tone(2, 880), "-map", "0:v", "-map", "1:a",
                          "-map", "2:a", *X264, "-c:a", "aac", "-metadata:s:a:0", "language=eng",
                          "-metadata:s:a:1", "language=fra"],
    "black_and_silence.mp4": [
        *video(extra=",drawbox=t=fill:c=black:enable='between(t,1,2.5)'"),
        *tone(extra=",volume=enable='between(t,2,3.5)':volume=0"), *X264, "-c:a", "aac"],
    "long_black_and_silence.mp4": [
        *video(seconds=6, extra=",drawbox=t=fill:c=black:enable='between(t,1,4)'"),
        *tone(6, extra=",volume=enable='between(t,2,5)':volume=0"), *X264, "-c:a", "aac"],
    "mostly_black.mp4": [*video(extra=",drawbox=t=fill:c=black:enable='lt(t,2.9)'"), *X264],
}  # fmt: skip


class Sources:
    """Builds each recipe the first time a test asks for it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, name: str) -> Path:
        out = self.root / name
        if not out.exists():
            if name == "subtitled.mkv":
                self._subtitled(out)
            else:
                run_ffmpeg([*RECIPES[name], "-threads", "2", str(out)], step="fixture")
        return out

    def info(self, name: str) -> SourceInfo:
        return probe(self.path(name))

    def srt(self) -> Path:
        out = self.root / "subtitles.srt"
        out.write_text(SRT)
        return out

    def _subtitled(self, out: Path) -> None:
        args = [*video(seconds=2), "-i", str(self.srt()), "-map", "0:v", "-map", "1:s", *X264]
        args += ["-c:s", "srt", "-metadata:s:s:0", "language=deu", str(out)]
        run_ffmpeg(args, step="fixture")


@pytest.fixture(scope="session")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    return Sources(tmp_path_factory.mktemp("media-sources"))


@pytest.fixture(scope="session")
def test_ladder() -> LadderSpec:
    """Two small rungs, ultrafast: enough to exercise a ladder on 320x180 sources."""
    return LadderSpec(
        rungs=(
            Rung(name="180p", width=320, height=180, video_bitrate_kbps=400),
            Rung(name="144p", width=256, height=144, video_bitrate_kbps=200),
        ),
        preset="ultrafast",
    )
