"""Helpers for the manifests ffmpeg's dash muxer writes (MPD XML via kit.mpd, HLS text)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from marquee.kit.mpd import tag

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
