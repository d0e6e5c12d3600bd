"""Choosing the language to show a title in (BCP 47 tags, compared case-insensitively).

For each language the viewer prefers, in order: the exact tag (``pt-BR``), the tag without its
region (``pt``), then another region of the same language (``pt-PT``). If none of the viewer's
languages has a translation, the original is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

T = TypeVar("T")
MAX_LANGUAGES = 10


def base_language(tag: str) -> str:
    return tag.split("-", 1)[0].casefold()


def pick(preferred: Iterable[str], available: Mapping[str, T]) -> tuple[str, T] | None:
    """The best ``(tag, value)`` of ``available`` for the ``preferred`` tags, or None."""
    by_tag = {tag.casefold(): (tag, value) for tag, value in available.items()}
    for wanted in preferred:
        wanted = wanted.casefold()
        base = base_language(wanted)
        if wanted in by_tag:
            return by_tag[wanted]
        if base in by_tag:
            return by_tag[base]
        for tag, entry in sorted(by_tag.items()):
            if base_language(tag) == base:
                return entry
    return None


def accept_language(header: str | None) -> list[str]:
    """The tags of an ``Accept-Language`` header, most wanted first (``*`` and q=0 dropped)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:MAX_LANGUAGES]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, index, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]
