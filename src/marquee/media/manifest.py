"""Reading and writing the manifests ffmpeg's dash muxer writes (MPD XML, HLS text)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

MPD_NS = "urn:mpeg:dash:schema:mpd:2011"
NAMESPACES = {
    "": MPD_NS,
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "xlink": "http://www.w3.org/1999/xlink",
    "cenc": "urn:mpeg:cenc:2013",
    "dashif": "https://dashif.org/CPS",
}
for _prefix, _uri in NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)

_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def tag(name: str, prefix: str = "") -> str:
    """``{namespace}name`` for ElementTree; the MPD namespace unless ``prefix`` says."""
    return f"{{{NAMESPACES[prefix]}}}{name}"


def parse_mpd(text: str) -> ET.Element:
    """Parse an MPD. Only manifests written by our own ffmpeg run come here."""
    return ET.fromstring(text)  # noqa: S314 - our own ffmpeg output, not untrusted input


def write_mpd(root: ET.Element) -> str:
    ET.indent(root, space="\t")
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


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
