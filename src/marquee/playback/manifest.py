"""Per-session manifests, rewritten from the packaged ones.

A packaged MPD or HLS playlist is the same for everyone and carries a placeholder licence URL
(``https://license.invalid/...``). A session gets its own copy: renditions above the plan's
height dropped, the session's licence URL, and segment URLs on the steered edges with the
session's delivery tokens, one per folder it may read (:mod:`marquee.media.layout`: a
rendition's, the audio's, the subtitles'; DASH: each relative ``BaseURL`` becomes one per edge
in order, which players use for failover; HLS: redundant variant streams, one copy of the
variants per edge in order, whose media playlists carry absolute URLs on their edge). An asset
packaged before folders has its files in its top folder, which its sessions are given.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence

import langcodes
from langcodes.tag_parser import LanguageTagError

from marquee.kit.mpd import parse_mpd, tag, write_mpd
from marquee.playback.schemas import TrackChoice

PLACEHOLDER = re.compile(r"https://license\.invalid/[A-Za-z0-9/_-]*")
_URI = re.compile(r'URI="([^"]*)"')
_RESOLUTION = re.compile(r"RESOLUTION=(\d+)x(\d+)")
_GROUP = re.compile(r'(?<=[:,])(GROUP-ID|AUDIO|VIDEO|SUBTITLES)="([^"]*)"')
#: A media playlist of one edge: ``{edge label}-{packaged name}``.
_EDGE_PLAYLIST = re.compile(r"^(e[0-9a-f]{8})-(.+)$")
_PER_EDGE = ("#EXT-X-MEDIA:", "#EXT-X-STREAM-INF:", "#EXT-X-I-FRAME-STREAM-INF:")
_SET_SWITCHING = "urn:mpeg:dash:adaptation-set-switching:2016"
#: A folder of the asset (``video/720p/``, ``""`` for its top one) → its signed URL on each
#: edge, nearest first.
FolderURLs = Callable[[str], Sequence[str]]


def allowed_heights(heights: Iterable[int], max_height: int) -> set[int]:
    """Heights at or below the plan's limit; the lowest one if the plan allows none (a plan
    below the smallest rendition still plays, at the smallest size)."""
    found = set(heights)
    kept = {h for h in found if h <= max_height}
    return kept or ({min(found)} if found else set())


def session_mpd(
    mpd: str,
    *,
    max_height: int,
    license_url: str,
    folder_urls: FolderURLs,
    tracks: TrackChoice | None = None,
) -> str:
    """The session's (or download's) MPD; given ``tracks``, only those audio and text sets."""
    root = parse_mpd(mpd)
    _cap_video(root, max_height)
    if tracks is not None:
        _keep_tracks(root, tracks)
    for laurl in root.iter(tag("Laurl", "dashif")):
        laurl.text = license_url
    relative = [
        (parent, base)
        for parent in root.iter()
        for base in parent.findall(tag("BaseURL"))
        if base.text and "://" not in base.text
    ]
    for parent, base in relative:
        _on_edges(parent, base, folder_urls)
    if _packaged_before_folders(root):
        position = len(root.findall(tag("ProgramInformation")))
        for offset, url in enumerate(folder_urls("")):
            top = ET.Element(tag("BaseURL"))
            top.text = url
            root.insert(position + offset, top)
    return write_mpd(root)


def _on_edges(parent: ET.Element, base: ET.Element, folder_urls: FolderURLs) -> None:
    """A relative ``BaseURL`` (``video/720p/``, ``text/subtitles-0.vtt``) made one absolute
    ``BaseURL`` per edge, in its place."""
    folder, slash, name = (base.text or "").rpartition("/")
    at = list(parent).index(base)
    parent.remove(base)
    for offset, url in enumerate(folder_urls(folder + slash)):
        signed = ET.Element(tag("BaseURL"))
        signed.text = url + name
        parent.insert(at + offset, signed)


def _packaged_before_folders(root: ET.Element) -> bool:
    """Whether some audio or video Representation has no ``BaseURL`` of its own (its files
    are in the asset's top folder)."""
    return any(
        rep.find(tag("BaseURL")) is None and aset.find(tag("BaseURL")) is None
        for aset in root.iter(tag("AdaptationSet"))
        if aset.get("contentType") in ("video", "audio")
        for rep in aset.findall(tag("Representation"))
    )


def _cap_video(root: ET.Element, max_height: int) -> None:
    """Drop the video Representations above ``max_height`` (over all video sets: one per
    content key), and the sets left empty."""
    period = root.find(tag("Period"))
    sets = [] if period is None else period.findall(tag("AdaptationSet"))
    video = [aset for aset in sets if aset.get("contentType") == "video"]
    heights = (int(r.get("height", "0")) for a in video for r in a.findall(tag("Representation")))
    keep = allowed_heights(heights, max_height)
    for aset in video:
        for rep in aset.findall(tag("Representation")):
            if int(rep.get("height", "0")) not in keep:
                aset.remove(rep)
        kept = aset.findall(tag("Representation"))
        if not kept and period is not None:
            period.remove(aset)
            continue
        for attribute in ("width", "height"):
            name = f"max{attribute.title()}"
            if aset.get(name) is not None:
                aset.set(name, str(max(int(r.get(attribute, "0")) for r in kept)))
    _relink_video_sets(root)


def _keep_tracks(root: ET.Element, tracks: TrackChoice) -> None:
    """Drop the audio sets in no language of ``tracks.audio`` (keeping the original, the first
    audio set: the source's own soundtrack, when ``tracks.original_audio`` or when none is
    left) and the text sets in no language of ``tracks.subtitles``."""
    period = root.find(tag("Period"))
    if period is None:
        return
    sets = period.findall(tag("AdaptationSet"))
    audio = [aset for aset in sets if aset.get("contentType") == "audio"]
    kept = [aset for aset in audio if _speaks(aset, tracks.audio)]
    if audio and (tracks.original_audio or not kept) and audio[0] not in kept:
        kept.insert(0, audio[0])
    text = [aset for aset in sets if aset.get("contentType") == "text"]
    dropped = [aset for aset in audio if aset not in kept]
    dropped += [aset for aset in text if not _speaks(aset, tracks.subtitles)]
    for aset in dropped:
        period.remove(aset)


def _speaks(aset: ET.Element, languages: Sequence[str]) -> bool:
    """Whether the set's ``lang`` is one of ``languages``, by language alone (``eng`` is
    ``en``, ``pt-BR`` is ``pt``)."""
    return _base_language(aset.get("lang", "und")) in {_base_language(t) for t in languages}


def _base_language(language_tag: str) -> str:
    try:
        return langcodes.Language.get(language_tag).language or "und"
    except LanguageTagError:
        return language_tag.casefold()


def _relink_video_sets(root: ET.Element) -> None:
    """The sets a video set may switch to: those still there."""
    ids = {aset.get("id") for aset in root.iter(tag("AdaptationSet"))}
    for aset in root.iter(tag("AdaptationSet")):
        for prop in aset.findall(tag("SupplementalProperty")):
            if prop.get("schemeIdUri") != _SET_SWITCHING:
                continue
            others = [i for i in prop.get("value", "").split(",") if i in ids]
            if others:
                prop.set("value", ",".join(others))
            else:
                aset.remove(prop)


def session_master(master: str, *, max_height: int, edges: Sequence[str] = ()) -> str:
    """The HLS master playlist without variants above ``max_height``; URIs stay relative (the
    session's media playlists are served next to it). Given edge labels (:func:`edge_label`,
    nearest first), its variants and renditions are repeated once per edge, naming that edge's
    media playlists: redundant variant streams (same attributes, other URIs, rendition groups
    of their own), so a player that cannot load from one edge moves to the next copy, as the
    HLS authoring spec's failover has it (Safari/AVPlayer)."""
    lines = _capped(master.splitlines(), max_height)
    if not edges:
        return "\n".join(lines) + "\n"
    per_edge = [line for line in lines if line.startswith(_PER_EDGE) or _is_uri(line)]
    copies = [_on_edge(line, edges[0], rename_groups=False) for line in lines]
    for label in edges[1:]:
        copies += ["", *(_on_edge(line, label) for line in per_edge)]
    return "\n".join(copies) + "\n"


def _capped(lines: list[str], max_height: int) -> list[str]:
    heights = [int(m[2]) for line in lines if (m := _RESOLUTION.search(line))]
    keep = allowed_heights(heights, max_height)
    out: list[str] = []
    skip_uri = False
    for line in lines:
        if skip_uri and _is_uri(line):
            skip_uri = False
            continue
        found = _RESOLUTION.search(line) if line.startswith("#EXT-X-STREAM-INF") else None
        if found and int(found[2]) not in keep:
            skip_uri = True
            continue
        out.append(line)
    return out


def _is_uri(line: str) -> bool:
    return bool(line) and not line.startswith("#")


def _on_edge(line: str, label: str, *, rename_groups: bool = True) -> str:
    """A line of the master with its playlists (and rendition groups) those of one edge."""
    if _is_uri(line):
        return f"{label}-{line}"
    if rename_groups:
        line = _GROUP.sub(lambda m: f'{m[1]}="{m[2]}-{label}"', line)
    return _URI.sub(lambda m: f'URI="{label}-{m[1]}"', line)


def edge_label(edge_name: str) -> str:
    """A short, URL-safe name for an edge in playlist names (edge names are free text)."""
    return "e" + hashlib.sha256(edge_name.encode()).hexdigest()[:8]


def edge_playlist(name: str) -> tuple[str, str]:
    """``e1a2b3c4d-media_1.m3u8`` → (``e1a2b3c4d``, ``media_1.m3u8``): the edge's label (empty
    for a name without one) and the packaged playlist."""
    found = _EDGE_PLAYLIST.match(name)
    return (found[1], found[2]) if found else ("", name)


def playlist_names(master: str) -> set[str]:
    """The playlists a (session) master playlist refers to."""
    names = {line for line in master.splitlines() if line and not line.startswith("#")}
    return names | {m[1] for line in master.splitlines() for m in _URI.finditer(line)}


def session_media_playlist(playlist: str, *, license_url: str, base_url: str) -> str:
    """A media playlist with the session's key URI and absolute, signed segment URLs."""
    out = []
    for line in playlist.splitlines():
        if line.startswith("#EXT-X-KEY"):
            line = PLACEHOLDER.sub(license_url, line)
        elif line.startswith("#EXT-X-MAP"):
            line = _URI.sub(lambda m: f'URI="{base_url}{m[1]}"', line)
        elif line and not line.startswith("#"):
            line = base_url + line
        out.append(line)
    return "\n".join(out) + "\n"
