"""Poster choice and trick-play sprites on real files."""

from __future__ import annotations

from pathlib import Path

import av

from marquee.media.probe import probe
from marquee.media.thumbnails import choose_poster, make_trickplay
from tests.integration.media.conftest import Sources


def picture_size(path: Path) -> tuple[int, int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.width, stream.codec_context.height


def test_poster_skips_black_frames(sources: Sources, tmp_path: Path) -> None:
    source = sources.path("mostly_black.mp4")
    poster = choose_poster(source, probe(source), tmp_path / "poster.jpg", candidates=8)
    assert poster.time_s >= 2.9
    assert poster.score > 0
    assert (tmp_path / "poster.jpg").read_bytes()[:2] == b"\xff\xd8"
    assert picture_size(tmp_path / "poster.jpg") == (320, 180)


def test_poster_of_rotated_source_is_upright(sources: Sources, tmp_path: Path) -> None:
    source = sources.path("rotated.mp4")
    poster = choose_poster(source, probe(source), tmp_path / "poster.jpg", candidates=3)
    assert (poster.width, poster.height) == (180, 320)
    assert picture_size(tmp_path / "poster.jpg") == (180, 320)


def test_trickplay_sheets_match_vtt(sources: Sources, tmp_path: Path) -> None:
    source = sources.path("h264_aac.mp4")
    play = make_trickplay(source, probe(source), tmp_path, interval_s=0.5, columns=3, rows=2)
    assert play.count == 8
    assert play.sheets == ["sprite-000.jpg", "sprite-001.jpg"]
    assert sorted(p.name for p in tmp_path.glob("sprite-*.jpg")) == play.sheets
    assert picture_size(tmp_path / "sprite-000.jpg") == (3 * 160, 2 * 90)
    vtt = (tmp_path / play.vtt).read_text()
    assert vtt.count("#xywh=") == 8
    assert "00:00:03.500 --> 00:00:04.000\nsprite-001.jpg#xywh=160,0,160,90" in vtt
