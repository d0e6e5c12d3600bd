"""HLS playlists as RFC 8216 and the players want them: measured bandwidths and the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from marquee.media.hls import Rates, measure, measured_master, segment_rates, vod_media_playlist
from marquee.media.manifest import hls_attributes

MEDIA = """#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:1
#EXT-X-MAP:URI="init-{n}.m4s"
#EXTINF:4.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-06T09:42:14.000+0000
seg-{n}-00001.m4s
#EXTINF:4.000000,
seg-{n}-00002.m4s
#EXTINF:1.000000,
seg-{n}-00003.m4s
#EXT-X-ENDLIST
"""

MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_A1",NAME="eng",DEFAULT=YES,URI="media_2.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_A1",NAME="fra",DEFAULT=NO,URI="media_3.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=9,RESOLUTION=320x180,CODECS="avc1.64000d,mp4a.40.2",AUDIO="group_A1"
media_0.m3u8

#EXT-X-STREAM-INF:BANDWIDTH=8,RESOLUTION=256x144,CODECS="avc1.64000c,mp4a.40.2",AUDIO="group_A1"
media_1.m3u8
"""


def test_peak_is_the_busiest_run_of_half_to_one_and_a_half_target_durations() -> None:
    # 4 s segments of 100 and 200 kB, then a 1 s tail of 60 kB (480 kbit/s alone).
    sizes = [(4.0, 100_000), (4.0, 200_000), (1.0, 60_000)]
    rates = segment_rates(sizes, target_s=4)
    # Runs of 2..6 s: each 4 s segment, and the last one with the tail (260 kB over 5 s).
    assert rates.peak == 416_000  # 260 kB * 8 / 5 s, above 200 kB * 8 / 4 s = 400 kbit/s
    assert rates.average == 320_000  # 360 kB * 8 / 9 s
    assert rates.peak >= rates.average


def test_a_short_tail_alone_does_not_set_the_peak() -> None:
    rates = segment_rates([(4.0, 100_000), (0.2, 50_000)], target_s=4)
    assert rates.peak == pytest.approx(150_000 * 8 / 4.2, abs=1)
    assert rates.peak < 50_000 * 8 / 0.2


def test_a_playlist_shorter_than_half_a_target_is_one_run() -> None:
    assert segment_rates([(1.0, 10_000)], target_s=4) == Rates(80_000, 80_000)
    assert segment_rates([], target_s=4) == Rates(0, 0)


def package(tmp_path: Path) -> Path:
    sizes = {0: (100_000, 200_000, 30_000), 1: (50_000, 60_000, 10_000),
             2: (16_000, 16_000, 4_000), 3: (20_000, 20_000, 5_000)}  # fmt: skip
    for n, segment_sizes in sizes.items():
        (tmp_path / f"media_{n}.m3u8").write_text(MEDIA.format(n=n))
        for index, size in enumerate(segment_sizes, start=1):
            (tmp_path / f"seg-{n}-{index:05d}.m4s").write_bytes(bytes(size))
    return tmp_path


def test_master_declares_measured_peaks_and_averages_lowest_first(tmp_path: Path) -> None:
    directory = package(tmp_path)
    out = measured_master(MASTER, directory, 25.0).splitlines()
    assert out[:3] == ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    variants = [hls_attributes(line) for line in out if line.startswith("#EXT-X-STREAM-INF")]
    uris = [line for line in out if line and not line.startswith("#")]
    assert uris == ["media_1.m3u8", "media_0.m3u8"]
    audio = measure(directory, "media_3.m3u8")  # the bigger audio rendition of the group
    for attrs, uri in zip(variants, uris, strict=True):
        video = measure(directory, uri)
        assert int(attrs["BANDWIDTH"]) == video.peak + audio.peak
        assert int(attrs["AVERAGE-BANDWIDTH"]) == video.average + audio.average
        assert attrs["FRAME-RATE"] == "25.000"
        assert attrs["AUDIO"] == '"group_A1"'
    assert int(variants[0]["BANDWIDTH"]) < int(variants[1]["BANDWIDTH"])
    assert measured_master("\n".join(out), directory, 25.0).count("INDEPENDENT") == 1


def test_media_playlists_say_vod_once() -> None:
    out = vod_media_playlist(MEDIA.format(n=0))
    lines = out.splitlines()
    assert lines[3] == "#EXT-X-PLAYLIST-TYPE:VOD"
    assert lines[2].startswith("#EXT-X-TARGETDURATION")
    assert vod_media_playlist(out) == out
