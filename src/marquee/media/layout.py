"""Where a package's files live: one folder per video rendition (``video/720p/``), one for the
audio (``audio/``) and one for the subtitles (``text/``), the manifests at the top.

A delivery token grants the objects of one folder (docs/delivery.md), so a playback session
is given the folders of the renditions its plan allows, never the asset's top folder: the
packaged manifests there list every rendition. ffmpeg writes everything into one folder;
:func:`into_folders` moves the files after packaging and points the manifests at them (DASH:
a relative ``BaseURL`` in every Representation; HLS: the master's URIs; a media playlist moves
with its segments, which it names relative to itself).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from marquee.kit.mpd import parse_mpd, tag, write_mpd
from marquee.media.ladder import AV1_PREFIX
from marquee.media.manifest import adaptation_sets

AUDIO, TEXT = "audio/", "text/"
#: Switching between adaptation sets (ISO/IEC 23009-1 Amd. 4): video sets of different keys.
SET_SWITCHING = "urn:mpeg:dash:adaptation-set-switching:2016"
_SEGMENT_INFO = ("SegmentBase", "SegmentList", "SegmentTemplate")
_URI = re.compile(r'URI="([^"/]+)"')


def video_folders(heights: list[int], codecs: list[str] | None = None) -> list[str]:
    """One folder per video rendition, by height (``video/720p/``; ``video/720p-2/`` for a
    second rendition of the same height), an AV1 rendition's named for its codec too
    (``video/av1-720p/``; ``codecs`` as the probe names them, H.264 when not given)."""
    seen: dict[str, int] = {}
    folders = []
    for height, codec in zip(heights, codecs or ["h264"] * len(heights), strict=True):
        name = f"{AV1_PREFIX if codec == 'av1' else ''}{height}p"
        seen[name] = seen.get(name, 0) + 1
        suffix = "" if seen[name] == 1 else f"-{seen[name]}"
        folders.append(f"video/{name}{suffix}/")
    return folders


def into_folders(
    out_dir: Path, *, mpd_name: str, master_name: str, folders: dict[str, str]
) -> dict[str, str]:
    """Move each Representation's files (``folders``: Representation id → folder) and the
    subtitles into their folders, and point the MPD and the HLS master at them. Returns the
    new place of every moved file by its old name."""
    moved: dict[str, str] = {}
    for rep_id, folder in folders.items():
        patterns = (f"init-{rep_id}.m4s", f"seg-{rep_id}-*.m4s", f"media_{rep_id}.m3u8")
        for pattern in patterns:
            moved |= _move(out_dir, pattern, folder)
    moved |= _move(out_dir, "subtitles-*", TEXT)
    mpd = out_dir / mpd_name
    mpd.write_text(_mpd_in_folders(mpd.read_text(), folders))
    master = out_dir / master_name
    master.write_text(_master_in_folders(master.read_text(), moved))
    return moved


def _move(out_dir: Path, pattern: str, folder: str) -> dict[str, str]:
    moved = {}
    for path in sorted(out_dir.glob(pattern)):
        (out_dir / folder).mkdir(parents=True, exist_ok=True)
        path.rename(out_dir / folder / path.name)
        moved[path.name] = folder + path.name
    return moved


def _mpd_in_folders(mpd: str, folders: dict[str, str]) -> str:
    root = parse_mpd(mpd)
    for aset in adaptation_sets(root):
        for rep in aset.findall(tag("Representation")):
            base = rep.find(tag("BaseURL"))
            if base is not None and base.text:  # a subtitle file
                base.text = TEXT + base.text
            elif rep.get("id", "") in folders:
                _insert_base_url(rep, folders[rep.get("id", "")])
    return write_mpd(root)


def _insert_base_url(rep: ET.Element, folder: str) -> None:
    """``BaseURL`` goes before the segment information (DASH schema order)."""
    children = list(rep)
    at = next((n for n, c in enumerate(children) if c.tag in map(tag, _SEGMENT_INFO)), None)
    base = ET.Element(tag("BaseURL"))
    base.text = folder
    rep.insert(len(children) if at is None else at, base)


def _master_in_folders(master: str, moved: dict[str, str]) -> str:
    lines = []
    for line in master.splitlines():
        if line.startswith("#"):
            line = _URI.sub(lambda m: f'URI="{moved.get(m[1], m[1])}"', line)
        elif line:
            line = moved.get(line, line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def link_video_sets(mpd: str) -> str:
    """Let players switch between the video AdaptationSets of one codec (one set per key):
    each names the others in a ``SupplementalProperty`` (nothing to do for a set alone). Sets
    of different codecs are not linked: a player plays one codec (H.264 or AV1) throughout."""
    root = parse_mpd(mpd)
    by_codec: dict[str, list[ET.Element]] = {}
    for aset in adaptation_sets(root):
        if aset.get("contentType") == "video":
            by_codec.setdefault(_codec_family(aset), []).append(aset)
    linked = [sets for sets in by_codec.values() if len(sets) > 1]
    for video in linked:
        for aset in video:
            others = ",".join(a.get("id", "") for a in video if a is not aset)
            prop = ET.Element(tag("SupplementalProperty"), {"schemeIdUri": SET_SWITCHING})
            prop.set("value", others)
            aset.insert(0, prop)
    return write_mpd(root) if linked else mpd


def _codec_family(aset: ET.Element) -> str:
    """``avc1``, ``av01``…: the sample entry its (first) Representation's ``codecs`` names."""
    codecs = aset.get("codecs") or next(
        (r.get("codecs", "") for r in aset.findall(tag("Representation"))), ""
    )
    return codecs.split(".", 1)[0]
