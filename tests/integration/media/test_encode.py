"""Encoding renditions: shape, GOP, frame rate, audio loudness, chunked encodes."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from marquee.media.encode import (
    encode_audio,
    encode_chunk,
    encode_rendition,
    join_chunks,
    plan_chunks,
)
from marquee.media.ladder import LadderSpec, plan_ladder
from marquee.media.probe import probe
from marquee.media.qc import TARGET_LUFS, run_qc
from tests.integration.media.conftest import Sources

pytestmark = pytest.mark.slow


def keyframe_indexes(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        packets = [p for p in container.demux(stream) if p.size]
    packets.sort(key=lambda p: p.pts)
    return [i for i, p in enumerate(packets) if p.is_keyframe]


def test_rendition_shape_gop_and_loudness(
    sources: Sources, test_ladder: LadderSpec, tmp_path: Path
) -> None:
    source = sources.path("h264_aac.mp4")
    info = probe(source)
    loudness = run_qc(source, info).loudness[0]
    plan = plan_ladder(info, test_ladder)
    out = tmp_path / "144p.mp4"
    result = encode_rendition(source, info, plan, plan.renditions[1], out, loudness=loudness)
    assert (result.width, result.height, result.frames) == (256, 144, 100)
    assert result.duration_s == pytest.approx(4, abs=0.05)
    assert result.has_audio
    assert keyframe_indexes(out) == [0, 50]
    encoded = probe(out)
    assert [(a.codec, a.channels, a.sample_rate) for a in encoded.audio] == [("aac", 2, 48000)]
    measured = run_qc(out, encoded).loudness[0].integrated_lufs
    assert measured == pytest.approx(TARGET_LUFS, abs=1.0)


@pytest.mark.parametrize(
    ("name", "size", "frames"),
    [
        ("rotated.mp4", (180, 320), 50),
        ("mpeg2_interlaced.mpg", (320, 180), 50),
        ("anamorphic.mp4", (320, 180), 50),
        ("odd.mkv", (320, 180), 50),
        ("vfr.mp4", (320, 180), None),
    ],
)
def test_sources_become_upright_progressive_square_cfr(
    sources: Sources,
    test_ladder: LadderSpec,
    tmp_path: Path,
    name: str,
    size: tuple[int, int],
    frames: int | None,
) -> None:
    source = sources.path(name)
    info = probe(source)
    plan = plan_ladder(info, test_ladder)
    out = tmp_path / "out.mp4"
    result = encode_rendition(source, info, plan, plan.renditions[0], out)
    assert (result.width, result.height) == size
    assert result.frames == (frames or round(info.duration_s * plan.fps))
    video = probe(out).video
    assert video is not None
    assert (video.rotation, video.sample_aspect_ratio) == (0, 1.0)
    assert not video.vfr
    assert not video.interlaced
    assert result.has_audio == bool(info.audio)


def test_chunked_encode_joins_losslessly(
    sources: Sources, test_ladder: LadderSpec, tmp_path: Path
) -> None:
    source = sources.path("h264_aac.mp4")
    info = probe(source)
    plan = plan_ladder(info, test_ladder)
    rendition = plan.renditions[0]
    chunks = plan_chunks(info, plan, chunk_s=1.5)
    assert [(c.start_frame, c.frames) for c in chunks] == [(0, 50), (50, 50)]
    parts = [
        Path(encode_chunk(source, info, plan, rendition, c, tmp_path / f"c{c.index}.mp4").path)
        for c in chunks
    ]
    audio = encode_audio(source, info, 0, rendition.audio_bitrate_kbps, tmp_path / "a.mp4")
    joined = join_chunks(parts, tmp_path / "joined.mp4", audio=Path(audio.path))
    whole = encode_rendition(source, info, plan, rendition, tmp_path / "whole.mp4")
    assert joined.frames == whole.frames == 100
    assert joined.duration_s == pytest.approx(whole.duration_s, abs=0.05)
    assert joined.has_audio
    assert keyframe_indexes(Path(joined.path)) == [0, 50]
    with av.open(joined.path) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == 100
