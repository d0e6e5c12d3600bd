"""Discovery's public face: search, suggestions, browse rows, and keeping the index current.

Visibility is decided by the catalog, never by the index: the index holds every published
title, and each request keeps only the hits in the list of titles the profile may see in its
territory now (``catalog.service.visible_title_ids``, kept per territory and maturity for
``discovery_visible_ttl_s`` and cleared by catalog events). A set lookup per hit is cheaper
than indexing licence windows and ratings per territory, and it can never disagree with the
rule the catalog applies to the title page and playback.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy.orm import Session

from marquee.catalog import service as catalog
from marquee.discovery import history, query
from marquee.discovery.cards import Card, card_of
from marquee.discovery.index import Found, Hit
from marquee.discovery.node import Node, node_for
from marquee.discovery.schemas import listing_json
from marquee.identity.schemas import Maturity
from marquee.kit.db import utcnow
from marquee.settings import Settings

CANDIDATES = 300
POPULARITY_DAYS = 30


def visible(node: Node, session: Session, *, territory: str, maturity: Maturity) -> frozenset[str]:
    return _visible(node, session, territory, maturity)[1]


def newest_visible(
    node: Node, session: Session, *, territory: str, maturity: Maturity
) -> list[str]:
    """Visible titles, newest published first."""
    return _visible(node, session, territory, maturity)[0]


def _visible(
    node: Node, session: Session, territory: str, maturity: Maturity
) -> tuple[list[str], frozenset[str]]:
    def load() -> tuple[list[str], frozenset[str]]:
        ids = catalog.visible_title_ids(session, territory=territory, maturity=maturity)
        return ids, frozenset(ids)

    return node.visible.get((territory.upper(), maturity), load)


def genre_titles(node: Node, session: Session, *, genre: str) -> list[str]:
    """Published titles of ``genre``, newest first, visible or not: a genre row keeps those in
    :func:`visible`, a set lookup, rather than asking the catalog for visibility per genre."""
    slug = catalog.genre_slug(genre)
    return node.genres.get(slug, lambda: catalog.genre_title_ids(session, genre=slug))


def popularity(node: Node, session: Session) -> dict[str, int]:
    """Plays per title over the last 30 days (blended into search relevance)."""
    since = utcnow() - timedelta(days=POPULARITY_DAYS)
    return node.popular.get("plays", lambda: history.play_counts(session, since=since))


class Known(NamedTuple):
    """What a search needs besides the index: the titles the viewer may see, plays per title."""

    allowed: frozenset[str]
    plays: dict[str, int]


def known(node: Node, session: Session, *, territory: str, maturity: Maturity) -> Known:
    return Known(
        visible(node, session, territory=territory, maturity=maturity), popularity(node, session)
    )


def in_memory(node: Node, *, territory: str, maturity: Maturity) -> Known | None:
    """:func:`known` if the node holds it and it has not expired (None otherwise): a search
    then reads nothing from the database."""
    found = node.visible.fresh((territory.upper(), maturity))
    plays = node.popular.fresh("plays")
    return None if found is None or plays is None else Known(found[1], plays)


def ranked(
    node: Node, seen: Known, *, text: str, languages: Sequence[str], prefix: bool = False
) -> Found | None:
    """Visible titles matching ``text``, best first: relevance × log2(2 + plays); None when
    ``text`` has no words."""
    built = query.build(text, languages, prefix=prefix)
    if built is None:
        return None
    found = node.index.search(built, CANDIDATES)
    hits = [h for h in found.hits if h.title_id in seen.allowed]
    plays = seen.plays
    hits.sort(key=lambda h: -h.score * math.log2(2 + plays.get(h.title_id, 0)))
    return replace(found, hits=hits)


def ranked_ids(
    node: Node,
    session: Session,
    *,
    text: str,
    territory: str,
    maturity: Maturity,
    languages: Sequence[str],
    prefix: bool = False,
) -> list[str]:
    """The ids of :func:`ranked`'s titles."""
    seen = known(node, session, territory=territory, maturity=maturity)
    found = ranked(node, seen, text=text, languages=languages, prefix=prefix)
    return [hit.title_id for hit in found.hits] if found else []


def search(
    node: Node,
    seen: Known,
    *,
    settings: Settings,
    text: str,
    territory: str,
    languages: Sequence[str],
    page: int = 1,
) -> bytes:
    """A page of results (a :class:`SearchPage`, in JSON) for what the viewer may see
    (:func:`known` or :func:`in_memory`)."""
    size = settings.discovery_page_size
    found = ranked(node, seen, text=text, languages=languages)
    hits = found.hits if found else []
    shown = hits[(page - 1) * size : page * size]
    items = [card.result for card in cards(node, found, shown, territory, languages)]
    return listing_json(items, page=page, page_size=size, total=len(hits))


def suggest(
    node: Node,
    seen: Known,
    *,
    settings: Settings,
    text: str,
    territory: str,
    languages: Sequence[str],
) -> bytes:
    """As-you-type suggestions (:class:`Suggestions`, in JSON): the last word of ``text`` may
    be unfinished."""
    found = ranked(node, seen, text=text, languages=languages, prefix=True)
    shown = found.hits[: settings.discovery_suggest_limit] if found else []
    return listing_json(
        [card.suggestion for card in cards(node, found, shown, territory, languages)]
    )


def cards(
    node: Node, found: Found | None, hits: Sequence[Hit], territory: str, languages: Sequence[str]
) -> list[Card]:
    """The cards of ``hits`` (of ``found``), in that order: the node's, kept for that commit of
    the index, and for the others those made from what their documents store
    (``discovery.cards``)."""
    if found is None or not hits:
        return []
    territory = territory.upper()
    ids = [hit.title_id for hit in hits]
    kept = node.cards.get_many(found.version, ids, territory, languages)
    missing = [hit for hit in hits if hit.title_id not in kept]
    if missing:
        made = {
            hit.title_id: card_of(
                catalog.summary_from_source(source, territory=territory, languages=languages)
            )
            for hit, source in zip(missing, found.cards(missing), strict=True)
        }
        node.cards.put_many(found.version, made, territory, languages)
        kept.update(made)
    return [kept[title_id] for title_id in ids]


def titles_changed(session: Session, *, settings: Settings, title_ids: Sequence[str]) -> None:
    """Bring the index up to date with these titles (published: indexed; otherwise removed),
    in one commit."""
    node = node_for(settings)
    titles = catalog.published_titles(session, title_ids=title_ids)
    published = {title.id for title in titles}
    node.index.put(titles, removed=[t for t in title_ids if t not in published])
    _catalog_changed(node)


def reindex(session: Session, *, settings: Settings) -> int:
    """Rebuild this node's index from the catalog; the number of titles indexed."""
    node = node_for(settings)
    count = node.index.replace_all(catalog.published_titles(session))
    _catalog_changed(node)
    return count


def _catalog_changed(node: Node) -> None:
    node.visible.clear()
    node.genres.clear()
