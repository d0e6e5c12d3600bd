"""Helpers for the manifests ffmpeg's dash muxer writes (MPD XML via kit.mpd, HLS text)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from marquee.kit.mpd import parse_mpd, tag, write_mpd

_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def adaptation_sets(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{tag('Period')}/{tag('AdaptationSet')}")


def hls_attributes(line: str) -> dict[str, str]:
    """The ``KEY=value`` pairs of an HLS tag line, quotes kept on quoted values."""
    _, _, rest = line.partition(":")
    return {m[1]: m[2] for m in _ATTRIBUTE.finditer(rest)}


def hls_line(name: str, attributes: dict[str, str]) -> str:
    return f"#{name}:" + ",".join(f"{k}={v}" for k, v in attributes.items())


def quoted(value: str) -> str:
    return '"' + value.replace('"', "'") + '"'


def timeline_end_s(representation: ET.Element, adaptation_set: ET.Element) -> float | None:
    """Where a representation's SegmentTimeline ends, in seconds of presentation time."""
    template = representation.find(tag("SegmentTemplate"))
    if template is None:
        template = adaptation_set.find(tag("SegmentTemplate"))
    timeline = None if template is None else template.find(tag("SegmentTimeline"))
    if template is None or timeline is None:
        return None
    end = 0
    for s in timeline.findall(tag("S")):
        start = int(s.get("t", end))
        end = start + int(s.get("d", "0")) * (int(s.get("r", "0")) + 1)
    offset = int(template.get("presentationTimeOffset", "0"))
    return (end - offset) / int(template.get("timescale", "1"))


def exact_mpd(mpd: str) -> str:
    """ffmpeg's MPD made exact: ``mediaPresentationDuration`` the media's own duration (ffmpeg
    keeps one decimal: ``PT30.1S`` for 30.16 s), to the millisecond, from the longest
    SegmentTimeline; no ``bitstreamSwitching="true"``, which promises that segments of
    different representations may follow one another with one init segment, while each
    representation here has its own."""
    root = parse_mpd(mpd)
    ends = [
        end
        for aset in adaptation_sets(root)
        for rep in aset.findall(tag("Representation"))
        if (end := timeline_end_s(rep, aset)) is not None
    ]
    if ends:
        seconds = f"{max(ends):.3f}".rstrip("0").rstrip(".")
        root.set("mediaPresentationDuration", f"PT{seconds}S")
    for aset in adaptation_sets(root):
        if aset.get("bitstreamSwitching") == "true":
            del aset.attrib["bitstreamSwitching"]
    return write_mpd(root)
