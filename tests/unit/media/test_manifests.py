"""Subtitle references, HLS attribute handling, the exact MPD and trick-play WebVTT cues."""

from __future__ import annotations

import pytest

from marquee.kit.mpd import parse_mpd, tag
from marquee.media.manifest import exact_mpd, hls_attributes, hls_line, timeline_end_s
from marquee.media.package import SubtitleInput, add_text_sets, subtitle_playlist
from marquee.media.thumbnails import TrickPlay, frame_score, thumbnails_vtt, vtt_timestamp

MPD = """<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">
  <Period id="0"><AdaptationSet id="0" contentType="video"/></Period>
</MPD>
"""


def test_hls_attributes_keep_quoted_commas() -> None:
    line = '#EXT-X-STREAM-INF:BANDWIDTH=5000,CODECS="avc1.64001f,mp4a.40.2",AUDIO="a"'
    attrs = hls_attributes(line)
    assert attrs == {"BANDWIDTH": "5000", "CODECS": '"avc1.64001f,mp4a.40.2"', "AUDIO": '"a"'}
    assert hls_line("EXT-X-STREAM-INF", attrs) == line


def test_text_adaptation_sets() -> None:
    out = add_text_sets(MPD, [SubtitleInput(path="x.srt", language="fr")], ["subtitles-0.vtt"])
    assert '<AdaptationSet id="1" contentType="text" mimeType="text/vtt" lang="fr">' in out
    assert "<BaseURL>subtitles-0.vtt</BaseURL>" in out
    assert 'value="subtitle"' in out
    assert add_text_sets(MPD, [], []) == MPD


def test_subtitle_playlist() -> None:
    assert subtitle_playlist("subtitles-0.vtt", 61.5).splitlines() == [
        "#EXTM3U",
        "#EXT-X-VERSION:6",
        "#EXT-X-TARGETDURATION:62",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXTINF:61.500,",
        "subtitles-0.vtt",
        "#EXT-X-ENDLIST",
    ]


def test_vtt_timestamps() -> None:
    assert vtt_timestamp(0) == "00:00:00.000"
    assert vtt_timestamp(61.25) == "00:01:01.250"
    assert vtt_timestamp(3723.0004) == "01:02:03.000"


def test_thumbnail_cues_walk_the_grid_and_sheets() -> None:
    play = TrickPlay(
        vtt="thumbnails.vtt", sheets=["s0.jpg", "s1.jpg"], interval_s=10, count=5,
        tile_width=160, tile_height=90, columns=2, rows=2,
    )  # fmt: skip
    cues = thumbnails_vtt(play, duration_s=45).strip().split("\n\n")
    assert cues[0] == "WEBVTT"
    assert cues[1] == "00:00:00.000 --> 00:00:10.000\ns0.jpg#xywh=0,0,160,90"
    assert cues[2] == "00:00:10.000 --> 00:00:20.000\ns0.jpg#xywh=160,0,160,90"
    assert cues[4] == "00:00:30.000 --> 00:00:40.000\ns0.jpg#xywh=160,90,160,90"
    assert cues[5] == "00:00:40.000 --> 00:00:45.000\ns1.jpg#xywh=0,0,160,90"


def test_frame_score_prefers_detail_and_rejects_black() -> None:
    black = bytes(16 * 16)
    flat = bytes([128]) * (16 * 16)
    checker = bytes(200 if (x + y) % 2 else 40 for y in range(16) for x in range(16))
    assert frame_score(black, 16, 16) == 0
    assert frame_score(flat, 16, 16) == 0
    assert frame_score(checker, 16, 16) > 1000


FFMPEG_MPD = """<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT30.1S">
  <Period id="0" start="PT0.0S">
    <AdaptationSet id="0" contentType="video" bitstreamSwitching="true">
      <Representation id="0" bandwidth="1000">
        <SegmentTemplate timescale="12800" initialization="init-$RepresentationID$.m4s"
                         media="seg-$RepresentationID$-$Number%05d$.m4s" startNumber="1">
          <SegmentTimeline><S t="0" d="51200" r="6" /><S d="27648" /></SegmentTimeline>
        </SegmentTemplate>
      </Representation>
    </AdaptationSet>
    <AdaptationSet id="1" contentType="audio" bitstreamSwitching="true">
      <Representation id="1" bandwidth="128000">
        <SegmentTemplate timescale="48000" initialization="init-$RepresentationID$.m4s"
                         media="seg-$RepresentationID$-$Number%05d$.m4s" startNumber="1">
          <SegmentTimeline><S t="0" d="192512" r="6" /><S d="100096" /></SegmentTimeline>
        </SegmentTemplate>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
"""


def test_mpd_duration_is_exact_and_bitstream_switching_is_not_claimed() -> None:
    out = exact_mpd(FFMPEG_MPD)
    # video: (7 * 51200 + 27648) / 12800 = 30.16 s; audio: 1447680 / 48000 = 30.16 s
    assert 'mediaPresentationDuration="PT30.16S"' in out
    assert "bitstreamSwitching" not in out
    root = parse_mpd(out)
    video = root.find(f"{tag('Period')}/{tag('AdaptationSet')}")
    assert video is not None
    rep = video.find(tag("Representation"))
    assert rep is not None
    assert timeline_end_s(rep, video) == pytest.approx(30.16)
