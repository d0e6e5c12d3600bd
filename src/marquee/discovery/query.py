"""What a search box's text becomes: one tantivy query, every word required.

Each word may match a title's name exactly (best), with typos, a person, a genre, the stemmed
text in one of the viewer's languages, or any synopsis. Typos allowed grow with the word:
none below 5 characters, 1 from 5, 2 from 9 (Levenshtein, a transposition counting as one).
For suggestions the last word, still being typed, also matches as a prefix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import tantivy

from marquee.discovery.index import ANALYZERS, SCHEMA, STEMMERS, base_language, fold

WORD = re.compile(r"\w+")
MAX_WORDS = 8
Occur = tantivy.Occur


def words(text: str) -> list[str]:
    return [fold(w) for w in WORD.findall(text)][:MAX_WORDS]


def typos_allowed(word: str) -> int:
    return 2 if len(word) >= 9 else 1 if len(word) >= 5 else 0


def stemmed_fields(languages: Sequence[str]) -> list[str]:
    """The stemmed fields to search for these viewer languages (English when none fits)."""
    fields = [base_language(tag) for tag in languages if base_language(tag) in STEMMERS]
    return list(dict.fromkeys(fields)) or ["en"]


def build(text: str, languages: Sequence[str], *, prefix: bool = False) -> tantivy.Query | None:
    """The query for ``text``; None when it has no words. ``prefix``: as-you-type."""
    found = words(text)
    if not found:
        return None
    fields = stemmed_fields(languages)
    clauses = [
        (Occur.Must, _word(word, fields, prefix=prefix and i == len(found) - 1))
        for i, word in enumerate(found)
    ]
    return tantivy.Query.boolean_query(clauses)


def _word(word: str, fields: list[str], *, prefix: bool) -> tantivy.Query:
    options = [
        _boost(_term("names", word), 4.0),
        _boost(_term("people", word), 3.0),
        _boost(_term("genres", word), 2.0),
        _boost(_term("text", word), 0.5),
        *(_boost(_term(f, stem), 1.0) for f in fields for stem in _stems(f, word)),
    ]
    distance = typos_allowed(word)
    if distance:
        options += [
            _boost(_fuzzy("names", word, distance), 2.0),
            _boost(_fuzzy("people", word, distance), 1.5),
        ]
    if prefix:
        options += [
            _boost(_fuzzy("names", word, 0, prefix=True), 3.0),
            _boost(_fuzzy("people", word, 0, prefix=True), 2.0),
        ]
        if distance:
            options.append(_boost(_fuzzy("names", word, distance, prefix=True), 1.0))
    return tantivy.Query.boolean_query([(Occur.Should, q) for q in options])


def _stems(field: str, word: str) -> list[str]:
    return list(ANALYZERS[f"{field}_stem"].analyze(word))


def _term(field: str, word: str) -> tantivy.Query:
    return tantivy.Query.term_query(SCHEMA, field, word)


def _fuzzy(field: str, word: str, distance: int, *, prefix: bool = False) -> tantivy.Query:
    return tantivy.Query.fuzzy_term_query(
        SCHEMA, field, word, distance=distance, transposition_cost_one=True, prefix=prefix
    )


def _boost(query: tantivy.Query, boost: float) -> tantivy.Query:
    return tantivy.Query.boost_query(query, boost)
