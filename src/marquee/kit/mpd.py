"""DASH MPD documents as ElementTree: the namespaces Marquee's manifests use, with their usual
prefixes registered so rewritten manifests keep them (``cenc:``, ``dashif:``)."""

from __future__ import annotations

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


def tag(name: str, prefix: str = "") -> str:
    """``{namespace}name`` for ElementTree; the MPD namespace unless ``prefix`` says."""
    return f"{{{NAMESPACES[prefix]}}}{name}"


def parse_mpd(text: str) -> ET.Element:
    """Parse an MPD. Only manifests our own packaging wrote come here, never client input."""
    return ET.fromstring(text)  # noqa: S314 - our own packaged manifests


def write_mpd(root: ET.Element) -> str:
    ET.indent(root, space="\t")
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
