"""A playback session's manifests say what their segments hold (docs/players.md): each claim
of the HLS playlists and the MPD is checked against the segments, fetched through the
session's own signed URLs and measured (sizes, and the samples of each fragment, :mod:`mp4`).

HLS (RFC 8216): ``BANDWIDTH`` is the peak segment bit rate (the largest rate of any run of
segments lasting 0.5 to 1.5 target durations, video plus its audio), ``AVERAGE-BANDWIDTH`` the
average one, ``FRAME-RATE`` the video's; ``EXT-X-INDEPENDENT-SEGMENTS`` (every segment starts
with a keyframe), ``EXT-X-PLAYLIST-TYPE:VOD``; variants lowest first (hls.js starts with the
first one). DASH: ``mediaPresentationDuration`` is the media's duration to the millisecond,
and no adaptation set claims bitstream switching while its representations have init segments
of their own.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
import m3u8
import pytest

from tests.e2e import browser as e2e
from tests.e2e.players import mp4
from tests.e2e.players.conftest import Playback, start_playback, stop_playback

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MPD_NS = {"mpd": "urn:mpeg:dash:schema:mpd:2011"}
#: AVERAGE-BANDWIDTH within this fraction of the measured average.
AVERAGE_TOLERANCE = 0.10
#: FRAME-RATE has three decimals.
FRAME_RATE_TOLERANCE = 0.001
#: "To the millisecond".
DURATION_TOLERANCE_S = 0.001
ISO_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?"
    r"(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
TEMPLATE = re.compile(r"\$(RepresentationID|Number|Bandwidth|Time)(?:%0(\d+)d)?\$")


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class MediaPlaylist:
    """An HLS media playlist and its segments as measured."""

    url: str
    playlist_type: str | None
    target_s: float
    durations: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    frame_rate: float = 0.0
    #: Where its segments are (an edge: HLS has a copy of each variant per edge).
    host: str = ""

    def peak_bps(self) -> float:
        """RFC 8216 peak segment bit rate: the largest rate of any run of contiguous segments
        lasting 0.5 to 1.5 target durations (of single segments, where no run does)."""
        rates = []
        for first in range(len(self.sizes)):
            for last in range(first, len(self.sizes)):
                seconds = sum(self.durations[first : last + 1])
                if seconds > 1.5 * self.target_s:
                    break
                if seconds >= 0.5 * self.target_s:
                    rates.append(8 * sum(self.sizes[first : last + 1]) / seconds)
        singles = [8 * size / s for size, s in zip(self.sizes, self.durations, strict=True)]
        return max(rates or singles)

    def average_bps(self) -> float:
        return 8 * sum(self.sizes) / sum(self.durations)


@dataclass
class Variant:
    """A variant of the master playlist: what it declares and what it is made of."""

    uri: str
    bandwidth: int
    average_bandwidth: int | None
    frame_rate: float | None
    video: MediaPlaylist
    audio: list[MediaPlaylist]

    def peak_bps(self) -> float:
        return self.video.peak_bps() + max((a.peak_bps() for a in self.audio), default=0.0)

    def average_bps(self) -> float:
        return self.video.average_bps() + max((a.average_bps() for a in self.audio), default=0.0)


@dataclass
class Hls:
    master: m3u8.M3U8
    variants: list[Variant]
    renditions: list[MediaPlaylist]


@dataclass
class Representation:
    id: str
    init_url: str
    #: Where its last sample ends, in presentation time (edit list applied).
    duration_s: float


@dataclass
class Dash:
    text: str
    duration_s: float | None
    #: (adaptation set id, bitstreamSwitching as written, its representations)
    adaptation_sets: list[tuple[str, str | None, list[Representation]]]


@dataclass
class Measured:
    playback: Playback
    hls: Hls
    dash: Dash


@pytest.fixture(scope="module")
def measured(platform: e2e.Served) -> Iterator[Measured]:
    """One session's manifests and every segment they name, fetched and measured once."""
    playback = start_playback(platform)
    try:
        with httpx.Client(timeout=30) as client:
            yield Measured(
                playback=playback,
                hls=_measure_hls(client, playback.manifests["hls"]),
                dash=_measure_dash(client, playback.manifests["dash"]),
            )
    finally:
        stop_playback(platform, playback)


def _get(client: httpx.Client, url: str) -> bytes:
    answer = client.get(url)
    assert answer.status_code == 200, f"GET {url} → {answer.status_code} {answer.text[:300]}"
    return answer.content


def _media_playlist(
    client: httpx.Client, url: str, cache: dict[str, MediaPlaylist]
) -> MediaPlaylist:
    if url in cache:
        return cache[url]
    playlist = m3u8.loads(_get(client, url).decode(), uri=url)
    measured = MediaPlaylist(
        url=url, playlist_type=playlist.playlist_type, target_s=float(playlist.target_duration)
    )
    track: mp4.Track | None = None
    samples = ticks = 0
    for segment in playlist.segments:
        if track is None and segment.init_section is not None:
            track = mp4.track(_get(client, urljoin(url, segment.init_section.uri)))
        data = _get(client, segment.absolute_uri)
        measured.host = measured.host or urlsplit(segment.absolute_uri).netloc
        measured.durations.append(float(segment.duration))
        measured.sizes.append(len(data))
        if track is not None:
            for fragment in mp4.fragments(data, track):
                samples += fragment.samples
                ticks += fragment.duration
    if track is not None and ticks:
        measured.frame_rate = samples * track.timescale / ticks
    cache[url] = measured
    return measured


def _measure_hls(client: httpx.Client, master_url: str) -> Hls:
    master = m3u8.loads(_get(client, master_url).decode(), uri=master_url)
    cache: dict[str, MediaPlaylist] = {}
    groups: dict[str, list[MediaPlaylist]] = {}
    for media in master.media:
        if media.type == "AUDIO" and media.uri:
            rendition = _media_playlist(client, media.absolute_uri, cache)
            groups.setdefault(media.group_id, []).append(rendition)
    variants = []
    for listed in master.playlists:
        info = listed.stream_info
        variants.append(
            Variant(
                uri=listed.uri,
                bandwidth=int(info.bandwidth),
                average_bandwidth=info.average_bandwidth,
                frame_rate=info.frame_rate,
                video=_media_playlist(client, listed.absolute_uri, cache),
                audio=groups.get(info.audio or "", []),
            )
        )
    renditions = [r for rs in groups.values() for r in rs]
    return Hls(master=master, variants=variants, renditions=renditions)


def _measure_dash(client: httpx.Client, mpd_url: str) -> Dash:
    text = _get(client, mpd_url).decode()
    root = ET.fromstring(text)  # noqa: S314 (the platform's own manifest)
    declared = root.get("mediaPresentationDuration")
    base = _base_url(root, mpd_url)
    adaptation_sets = []
    for period in root.findall("mpd:Period", MPD_NS):
        period_base = _base_url(period, base)
        for adaptation in period.findall("mpd:AdaptationSet", MPD_NS):
            switching = adaptation.get("bitstreamSwitching") or period.get("bitstreamSwitching")
            switching = switching or root.get("bitstreamSwitching")
            set_base = _base_url(adaptation, period_base)
            representations = [
                _measure_representation(client, adaptation, rep, _base_url(rep, set_base))
                for rep in adaptation.findall("mpd:Representation", MPD_NS)
            ]
            adaptation_sets.append((adaptation.get("id", "?"), switching, representations))
    return Dash(
        text=text,
        duration_s=_seconds(declared) if declared else None,
        adaptation_sets=adaptation_sets,
    )


def _base_url(element: ET.Element, parent: str) -> str:
    first = element.find("mpd:BaseURL", MPD_NS)
    return urljoin(parent, (first.text or "").strip()) if first is not None else parent


def _measure_representation(
    client: httpx.Client, adaptation: ET.Element, rep: ET.Element, base: str
) -> Representation:
    """Fetch a representation's init and media segments (SegmentTemplate with a timeline);
    where its last sample ends."""
    template = rep.find("mpd:SegmentTemplate", MPD_NS)
    if template is None:
        template = adaptation.find("mpd:SegmentTemplate", MPD_NS)
    assert template is not None, f"representation {rep.get('id')}: no SegmentTemplate"
    timeline = template.find("mpd:SegmentTimeline", MPD_NS)
    assert timeline is not None, f"representation {rep.get('id')}: no SegmentTimeline"
    values = {"RepresentationID": rep.get("id", ""), "Bandwidth": rep.get("bandwidth", "")}
    init_url = urljoin(base, _expand(template.get("initialization", ""), values))
    track = mp4.track(_get(client, init_url))
    number = int(template.get("startNumber", "1"))
    time = 0
    end = 0
    for s in timeline.findall("mpd:S", MPD_NS):
        time = int(s.get("t", time))
        for _ in range(int(s.get("r", "0")) + 1):
            values.update(Number=str(number), Time=str(time))
            data = _get(client, urljoin(base, _expand(template.get("media", ""), values)))
            end = max([end, *(fragment.end for fragment in mp4.fragments(data, track))])
            time += int(s.get("d", "0"))
            number += 1
    return Representation(
        id=rep.get("id", "?"), init_url=init_url, duration_s=end / track.timescale
    )


def _expand(template: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        return value.zfill(int(match.group(2))) if match.group(2) else value

    return TEMPLATE.sub(one, template).replace("$$", "$")


def _seconds(duration: str) -> float:
    match = ISO_DURATION.match(duration)
    assert match, f"not an ISO 8601 duration: {duration!r}"
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    return (
        parts.get("d", 0) * 86400 + parts.get("h", 0) * 3600 + parts.get("m", 0) * 60
    ) + parts.get("s", 0)


def _name(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


def _table(variants: list[Variant]) -> str:
    return "\n".join(
        f"  {v.uri}: BANDWIDTH={v.bandwidth} AVERAGE-BANDWIDTH={v.average_bandwidth}"
        f" FRAME-RATE={v.frame_rate} | measured peak {v.peak_bps():.0f},"
        f" average {v.average_bps():.0f}, {v.video.frame_rate:.3f} fps"
        for v in variants
    )


# --- HLS -------------------------------------------------------------------------------------


def test_the_hls_master_declares_independent_segments(measured: Measured) -> None:
    assert measured.hls.master.is_independent_segments, (
        "the master playlist has no #EXT-X-INDEPENDENT-SEGMENTS (every segment starts with a"
        f" keyframe: players may switch at any segment)\n{measured.hls.master.dumps()}"
    )


def test_every_hls_media_playlist_is_a_vod_playlist(measured: Measured) -> None:
    playlists = [v.video for v in measured.hls.variants] + measured.hls.renditions
    not_vod = [f"{_name(p.url)}: {p.playlist_type}" for p in playlists if p.playlist_type != "vod"]
    assert not not_vod, f"media playlists without #EXT-X-PLAYLIST-TYPE:VOD: {not_vod}"


def test_hls_variants_are_listed_lowest_first(measured: Measured) -> None:
    variants = measured.hls.variants
    assert len(variants) >= 2, f"the ladder should give several variants:\n{_table(variants)}"
    for host in dict.fromkeys(v.video.host for v in variants):
        bandwidths = [v.bandwidth for v in variants if v.video.host == host]
        assert bandwidths == sorted(bandwidths), (
            f"variants on {host} are not listed lowest first (hls.js starts with the first):"
            f" BANDWIDTH {bandwidths}\n{_table(variants)}"
        )


def test_hls_bandwidth_is_at_least_the_peak_measured_from_the_segments(
    measured: Measured,
) -> None:
    _every_variant(
        measured,
        lambda v: v.bandwidth >= v.peak_bps(),
        "BANDWIDTH is at least the peak segment bit rate (RFC 8216 4.3.4.2)",
    )


def test_hls_average_bandwidth_is_the_measured_average(measured: Measured) -> None:
    def holds(v: Variant) -> bool:
        declared, average = v.average_bandwidth, v.average_bps()
        return declared is not None and abs(declared - average) <= AVERAGE_TOLERANCE * average

    _every_variant(
        measured,
        lambda v: holds(v) and (v.average_bandwidth or 0) <= v.bandwidth,
        f"AVERAGE-BANDWIDTH is within {AVERAGE_TOLERANCE:.0%} of the measured average and at"
        " most BANDWIDTH",
    )


def test_hls_frame_rate_is_the_video_frame_rate(measured: Measured) -> None:
    _every_variant(
        measured,
        lambda v: (
            v.frame_rate is not None
            and abs(v.frame_rate - v.video.frame_rate) <= FRAME_RATE_TOLERANCE
        ),
        "FRAME-RATE is the video's frame rate",
    )


def _every_variant(measured: Measured, holds: Callable[[Variant], bool], claim: str) -> None:
    variants = measured.hls.variants
    wrong = [v.uri for v in variants if not holds(v)]
    assert not wrong, f"{claim}: not so for {wrong}\n{_table(variants)}"


# --- DASH ------------------------------------------------------------------------------------


def test_the_dash_duration_is_the_media_duration_to_the_millisecond(measured: Measured) -> None:
    dash = measured.dash
    durations = {
        f"{set_id}/{rep.id}": rep.duration_s
        for set_id, _, reps in dash.adaptation_sets
        for rep in reps
    }
    media_s = max(durations.values())
    assert dash.duration_s is not None, "the MPD has no mediaPresentationDuration"
    assert abs(dash.duration_s - media_s) < DURATION_TOLERANCE_S, (
        f"mediaPresentationDuration is {dash.duration_s:.3f} s; the media last {media_s:.3f} s"
        f" (per adaptation set/representation, from their samples: "
        f"{ {k: round(v, 4) for k, v in durations.items()} })"
    )


def test_no_dash_adaptation_set_claims_bitstream_switching_across_init_segments(
    measured: Measured,
) -> None:
    wrong = {
        set_id: sorted({_name(rep.init_url) for rep in reps})
        for set_id, switching, reps in measured.dash.adaptation_sets
        if switching == "true" and len({rep.init_url for rep in reps}) > 1
    }
    assert not wrong, (
        'bitstreamSwitching="true" where each representation has its own init segment'
        f" (adaptation set → init segments): {wrong}"
    )
