"""Title cards a node keeps between searches: titles it has shown, as results and as
suggestions, in JSON.

A card is made from what the title's search document stores (``index.Found.cards``: the
catalog's summary source), so a page of results reads nothing from the catalog; parsing that
source, choosing the texts, poster and rating for the viewer and encoding the result still
cost more than the search, and searches keep showing the same titles. Cards are kept encoded:
a page is their concatenation (``schemas.listing_json``), and bytes cost the garbage collector
nothing where a model would be a dozen objects to traverse at each full pass.

A card is kept per (title, territory, languages), for one commit of the index: every catalog
change a title's viewers can see is a commit (``service.titles_changed``), made by whichever
process of the host heard it, and the first search of any process to find a newer commit
drops every card it keeps. A card made from an older commit than the one kept now is not
kept. Cards also expire after ``ttl_s``, and the oldest titles go first beyond
``max_titles``.

Cards say nothing about visibility: search keeps only the hits in the visible set first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import NamedTuple

from marquee.catalog.schemas import TitleSummary
from marquee.discovery.schemas import Suggestion

#: (territory, languages) of a card: the rating shown and the texts and images chosen.
Variant = tuple[str, tuple[str, ...]]


class Card(NamedTuple):
    """A title as a search result (a ``TitleSummary``) and as a suggestion, in JSON."""

    result: bytes
    suggestion: bytes


def card_of(summary: TitleSummary) -> Card:
    suggestion = Suggestion(
        id=summary.id,
        title=summary.title,
        language=summary.language,
        release_year=summary.release_year,
    )
    return Card(summary.model_dump_json().encode(), suggestion.model_dump_json().encode())


class Cards:
    """Cards by title id and :data:`Variant`, for one commit of the index; thread-safe."""

    def __init__(self, *, ttl_s: float, max_titles: int) -> None:
        self.ttl_s = ttl_s
        self.max_titles = max_titles
        self._version: Hashable = None
        self._titles: dict[str, dict[Variant, tuple[float, Card]]] = {}
        self._lock = threading.Lock()

    def get_many(
        self,
        version: Hashable,
        title_ids: Iterable[str],
        territory: str,
        languages: Sequence[str],
    ) -> dict[str, Card]:
        """The cards kept of ``title_ids`` for the commit ``version`` (all are dropped when a
        search finds another commit)."""
        variant = (territory, tuple(languages))
        now = time.monotonic()
        found = {}
        with self._lock:
            self._follow(version)
            for title_id in title_ids:
                card = self._titles.get(title_id, {}).get(variant)
                if card is not None and card[0] > now:
                    found[title_id] = card[1]
        return found

    def put_many(
        self,
        version: Hashable,
        cards: Mapping[str, Card],
        territory: str,
        languages: Sequence[str],
    ) -> None:
        """Keep ``cards`` (by title id), made from the commit ``version``; nothing is kept if
        cards are kept for another commit now."""
        variant = (territory, tuple(languages))
        expires = time.monotonic() + self.ttl_s
        with self._lock:
            if version != self._version:
                return
            for title_id, card in cards.items():
                self._titles.setdefault(title_id, {})[variant] = (expires, card)
            while len(self._titles) > self.max_titles:
                del self._titles[next(iter(self._titles))]

    def _follow(self, version: Hashable) -> None:
        """Keep cards for ``version`` from now on: any other one drops them all. (A search
        that began just before a commit may take the older one back for a moment; the next
        search drops its cards again.)"""
        if version != self._version:
            self._titles.clear()
            self._version = version
