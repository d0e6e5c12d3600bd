"""Generated media for the demo: a clip per title or episode, and artwork from its picture.

The picture comes from one of ffmpeg's lavfi sources, rendered at half size and scaled up (the
fractal and cellular sources are slow at full size), with the caption drawn on it; the sound
is a sine tone of the title's own pitch.
"""

from __future__ import annotations

from pathlib import Path

from marquee.media.ffmpeg import run_ffmpeg

FPS = 25
STEP = "demo"
#: (kind, width, height) of the artwork made from each title's clip.
ARTWORK = (("poster", 600, 900), ("backdrop", 1280, 720))


def frame_size(height: int) -> tuple[int, int]:
    """16:9 frame of ``height`` lines, both sides even (4:2:0 chroma)."""
    return round(height * 16 / 9 / 2) * 2, round(height / 2) * 2


def make_clip(
    out: Path, *, look: str, caption: str, tone_hz: int, seconds: float, height: int
) -> Path:
    """Write an H.264 + AAC MP4 of ``seconds`` to ``out``."""
    width, height = frame_size(height)
    half = "x".join(str(side // 4 * 2) for side in (width, height))
    picture = f"{look.format(size=half)},fps={FPS},scale={width}:{height},format=yuv420p"
    picture += f",{_caption(out, caption, height // 12, 'h*4/5-text_h/2')}"
    args = ["-f", "lavfi", "-i", picture, "-f", "lavfi", "-i", f"sine=f={tone_hz}:r=48000"]
    args += ["-t", f"{seconds:g}", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18"]
    args += ["-g", str(FPS), "-c:a", "aac", "-threads", "2", str(out)]
    run_ffmpeg(args, step=STEP)
    return out


def make_still(clip: Path, out: Path, *, caption: str, width: int, height: int) -> bytes:
    """A JPEG of ``width`` × ``height``, captioned, from the top of a frame of ``clip`` (above
    the clip's own caption)."""
    picture = "crop=iw:ih*3/5:0:0,"
    picture += f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height}"
    picture += f",{_caption(out, caption, min(width, height) // 9, '(h-text_h)/2')}"
    args = ["-ss", "0.5", "-i", str(clip), "-frames:v", "1", "-vf", picture, "-q:v", "3", str(out)]
    run_ffmpeg(args, step=STEP)
    return out.read_bytes()


def _caption(out: Path, text: str, fontsize: int, y: str) -> str:
    """A drawtext filter for ``text``, read from a file so that no character needs escaping."""
    text_file = out.with_suffix(".txt")
    text_file.write_text(text, encoding="utf-8")
    return (
        f"drawtext=textfile={text_file}:font=Sans:fontsize={fontsize}:fontcolor=white"
        f":x=(w-text_w)/2:y={y}:text_align=center:line_spacing={fontsize // 4}"
        f":box=1:boxcolor=black@0.7:boxborderw={fontsize // 3}"
    )
