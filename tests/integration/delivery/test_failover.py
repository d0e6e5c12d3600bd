"""An edge dies mid-stream: the player fails over to the next BaseURL (DASH) or the next
redundant variant stream (HLS), and steering drops the edge.

The platform (origin) is the playback suite's, under uvicorn; two Python edges in two regions
front it. A French viewer is steered to edge A (``eu``) first, edge B (``us``) second.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest

from tests.integration.delivery.conftest import HEALTH_INTERVAL_S, Edges
from tests.integration.playback.conftest import World

pytestmark = pytest.mark.slow
NS = {"mpd": "urn:mpeg:dash:schema:mpd:2011"}


def first_video(mpd: str) -> tuple[ET.Element, ET.Element]:
    """The first video AdaptationSet and its first Representation."""
    root = ET.fromstring(mpd)  # noqa: S314 - the platform's own manifest
    aset = next(
        a for a in root.iter(f"{{{NS['mpd']}}}AdaptationSet") if a.get("contentType") == "video"
    )
    rep = aset.find("mpd:Representation", NS)
    assert rep is not None
    return aset, rep


def base_urls(mpd: str) -> list[str]:
    """The first video representation's folder on each edge (its signed BaseURLs)."""
    return [b.text or "" for b in first_video(mpd)[1].findall("mpd:BaseURL", NS)]


def segment_names(mpd: str) -> list[str]:
    """Init and media segments of the first video representation, in play order."""
    aset, rep = first_video(mpd)
    template = rep.find("mpd:SegmentTemplate", NS)
    template = template if template is not None else aset.find("mpd:SegmentTemplate", NS)
    assert template is not None
    count = sum(1 + int(s.get("r", "0")) for s in template.iterfind(".//mpd:S", NS))
    start = int(template.get("startNumber", "1"))

    def name(pattern: str, number: int = 0) -> str:
        named = pattern.replace("$RepresentationID$", rep.get("id", ""))
        return re.sub(r"\$Number(%0(\d+)d)?\$", lambda m: f"{number:0{m[2] or 1}d}", named)

    media = [name(template.get("media", ""), n) for n in range(start, start + count)]
    return [name(template.get("initialization", "")), *media]


@dataclass
class Played:
    bodies: dict[str, bytes] = field(default_factory=dict)
    served_by: dict[str, str] = field(default_factory=dict)
    retries: int = 0
    failed: list[str] = field(default_factory=list)


def play_with_failover(
    names: list[str],
    sources: int,
    url: Callable[[int, int], str],
    after_segment: Callable[[int], None],
) -> Played:
    """A player: segment ``names[index]`` from ``url(source, index)``, every segment in order;
    a connection error or 5xx moves it (for this and later segments) to the next source."""
    played, current = Played(), 0
    with httpx.Client(timeout=2) as client:
        for index, name in enumerate(names):
            response = None
            while response is None:
                try:
                    response = client.get(url(current, index))
                    response = None if response.status_code >= 500 else response
                except httpx.TransportError:  # refused, reset, timed out
                    pass
                if response is None:
                    if current + 1 == sources:
                        break
                    current += 1
                    played.retries += 1
            if response is None or response.status_code != 200:
                played.failed.append(name)
            else:
                played.bodies[name] = response.content
                played.served_by[name] = url(current, index)
            after_segment(index)
    return played


def play(mpd: str, after_segment: Callable[[int], None]) -> Played:
    """A DASH player: each segment from the first BaseURL that answers."""
    bases, names = base_urls(mpd), segment_names(mpd)
    return play_with_failover(
        names, len(bases), lambda source, index: bases[source] + names[index], after_segment
    )


def test_a_dead_edge_mid_stream_costs_retries_not_segments(world: World, edges: Edges) -> None:
    viewer = world.viewer("standard", country="FR")
    session = viewer.play(world.title_id).json()
    mpd = httpx.get(session["manifests"]["dash"]).text
    first, second = base_urls(mpd)
    assert first.startswith(edges.urls["a"])
    assert second.startswith(edges.urls["b"])
    names = segment_names(mpd)
    assert len(names) >= 3  # short segments: init and at least two media segments

    def kill_a_after_the_first_media_segment(index: int) -> None:
        if index == 1:
            edges.stop("a")

    started = time.monotonic()
    played = play(mpd, kill_a_after_the_first_media_segment)
    assert played.failed == []
    assert played.retries == 1
    assert list(played.bodies) == names
    assert all(played.served_by[n].startswith(first) for n in names[:2])
    assert all(played.served_by[n].startswith(second) for n in names[2:])
    storage = world.platform.storage
    folder = first[first.index("/assets/") + 1 :]
    for name, body in played.bodies.items():
        assert body == storage.get_bytes(folder + name), name
    assert time.monotonic() - started < 2  # a refused connection, not a timeout

    # The health checker drops edge A within interval × failures; new sessions start on B.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        later = viewer.play(world.other_title_id).json()
        fresh = base_urls(httpx.get(later["manifests"]["dash"]).text)
        if not any(url.startswith(edges.urls["a"]) for url in fresh):
            break
        time.sleep(HEALTH_INTERVAL_S)
    assert [url[: len(edges.urls["b"])] for url in fresh] == [edges.urls["b"]]


# --- HLS: redundant variant streams, one copy of the variants per edge -------------------------

_GROUPS = re.compile(r'(AUDIO|SUBTITLES)="[^"]*"')


def variant_copies(master: str) -> list[str]:
    """The media playlists of the first variant and of its redundant copies, in order."""
    lines = master.splitlines()
    variants = [(inf, lines[i + 1]) for i, inf in enumerate(lines) if inf.startswith("#EXT-X-ST")]
    first = _GROUPS.sub("", variants[0][0])
    return [uri for inf, uri in variants if _GROUPS.sub("", inf) == first]


def media_urls(playlist: str) -> list[str]:
    """Init segment then media segments of an HLS media playlist (absolute URLs)."""
    init = re.findall(r'#EXT-X-MAP:URI="([^"]+)"', playlist)
    return init + [line for line in playlist.splitlines() if line and not line.startswith("#")]


def play_hls(base: str, master: str, after_segment: Callable[[int], None]) -> Played:
    """A player of redundant streams: the first variant's segments from its media playlist;
    when a segment fails, the next copy's playlist is read and the same segment asked of it.
    Segments are known by their object keys (the same on every copy)."""
    copies = variant_copies(master)
    playlists: dict[int, list[str]] = {}

    def url(source: int, index: int) -> str:
        if source not in playlists:
            playlists[source] = media_urls(httpx.get(f"{base}/{copies[source]}").text)
        return playlists[source][index]

    names = [
        u[u.index("/assets/") + 1 :] for u in media_urls(httpx.get(f"{base}/{copies[0]}").text)
    ]
    return play_with_failover(names, len(copies), url, after_segment)


def test_the_hls_master_offers_every_edge_in_the_steering_order(world: World, edges: Edges) -> None:
    viewer = world.viewer("standard", country="FR")
    hls = viewer.play(world.title_id).json()["manifests"]["hls"]
    base, master = hls.rsplit("/", 1)[0], httpx.get(hls).text
    copies = variant_copies(master)
    assert len(copies) == 2
    renditions = re.findall(r'#EXT-X-MEDIA:.*URI="([^"]+)"', master)
    for copy, edge in zip(copies, (edges.urls["a"], edges.urls["b"]), strict=True):
        urls = media_urls(httpx.get(f"{base}/{copy}").text)
        assert all(url.startswith(edge + "/t/") for url in urls)
        assert httpx.get(urls[0]).status_code == 200  # a valid token
    own = [uri for uri in renditions if uri.startswith(copies[1].split("-", 1)[0])]
    assert own  # the second copy's renditions are its edge's own
    rendition = media_urls(httpx.get(f"{base}/{own[0]}").text)
    assert all(url.startswith(edges.urls["b"]) for url in rendition)


def test_hls_plays_on_from_the_second_edge_when_the_first_dies(world: World, edges: Edges) -> None:
    viewer = world.viewer("standard", country="FR")
    hls = viewer.play(world.title_id).json()["manifests"]["hls"]
    master = httpx.get(hls).text

    def kill_a_after_the_first_media_segment(index: int) -> None:
        if index == 1:
            edges.stop("a")

    played = play_hls(hls.rsplit("/", 1)[0], master, kill_a_after_the_first_media_segment)
    assert played.failed == []
    assert played.retries == 1
    names = list(played.bodies)
    assert len(names) >= 3
    assert all(played.served_by[n].startswith(edges.urls["a"]) for n in names[:2])
    assert all(played.served_by[n].startswith(edges.urls["b"]) for n in names[2:])
    for key, body in played.bodies.items():
        assert body == world.platform.storage.get_bytes(key), key
