"""Titles reached through their metadata: a TF-IDF vector per published title over its genres,
tags, people and synopsis words, L2-normalised, so that the dot product of two rows is their
cosine similarity. It is how titles with no plays yet (the model has no column for them) reach
the profiles whose titles look like them. Saved beside each model version as an artifact of
family ``content`` (``artifact.dump``: plain arrays and a digest)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from marquee.catalog.schemas import StudioTitle
from marquee.recommend import artifact

FAMILY = "content"
WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True)
class Content:
    item_ids: np.ndarray
    vectors: sp.csr_matrix

    def to_bytes(self) -> bytes:
        m = self.vectors
        arrays = {
            "item_ids": self.item_ids,
            "data": m.data,
            "indices": m.indices,
            "indptr": m.indptr,
            "shape": np.array(m.shape),
        }
        return artifact.dump(FAMILY, {}, arrays)

    @classmethod
    def from_bytes(cls, blob: bytes) -> Content:
        """:class:`artifact.ArtifactError` when ``blob`` is not a whole content artifact."""
        family, _, arrays = artifact.parse(blob)
        if family != FAMILY:
            raise artifact.ArtifactError(f"a {family} artifact where content was expected")
        try:
            shape = tuple(int(n) for n in arrays["shape"])
            vectors = sp.csr_matrix(
                (arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape
            )
            return cls(arrays["item_ids"], vectors)
        except (KeyError, ValueError, TypeError) as exc:
            raise artifact.ArtifactError(f"content artifact incomplete ({exc!r})") from None

    @cached_property
    def rows(self) -> dict[str, int]:
        """Each title's row (made once: a request's picks look titles up here)."""
        return {str(t): n for n, t in enumerate(self.item_ids)}

    def similar_to(
        self,
        titles: Iterable[str],
        *,
        leave_out: Sequence[str],
        among: np.ndarray | None = None,
        allowed: frozenset[str] | None = None,
        limit: int | None = None,
    ) -> list[tuple[str, float]]:
        """Titles but ``leave_out`` by their similarity to ``titles`` taken together (the sum
        of their vectors), best first; only those with some similarity, of the rows ``among``
        marks (a boolean mask over ``item_ids``) and of ``allowed`` when given, ``limit`` at
        most (only so many are turned into names: a request wants a few of thousands)."""
        rows = self.rows
        picked = [rows[t] for t in titles if t in rows]
        if not picked:
            return []
        profile = np.asarray(self.vectors[picked].sum(axis=0)).ravel()
        scores = self.vectors @ profile
        if among is not None:
            scores[~among] = 0.0
        scores[[rows[t] for t in leave_out if t in rows]] = 0.0
        found: list[tuple[str, float]] = []
        for n in best_first(scores, np.flatnonzero(scores > 0), limit or len(scores)):
            title_id = str(self.item_ids[n])
            if allowed is None or title_id in allowed:
                found.append((title_id, float(scores[n])))
                if limit is not None and len(found) >= limit:
                    break
        return found


def best_first(scores: np.ndarray, rows: np.ndarray, wanted: int) -> Iterator[int]:
    """``rows`` (ascending) by ``scores``, best first, ties in row order: the order of a stable
    sort of them all, sorting only the ``wanted`` best at first (a partial sort,
    ``np.partition``), then twice as many of the rest each time the caller asks for more
    (``allowed`` may pass over many)."""
    while len(rows):
        if len(rows) > wanted:
            left = scores[rows]
            above = left >= np.partition(left, -wanted)[-wanted]
            top, rows = rows[above], rows[~above]
        else:
            top, rows = rows, rows[:0]
        yield from top[np.argsort(-scores[top], kind="stable")]
        wanted *= 2


def tokens(title: StudioTitle) -> list[str]:
    """What a title is made of: ``g:`` genres, ``t:`` tags, ``p:`` people (by id), ``w:`` the
    words of its synopses in every language."""
    texts = [title.synopsis, *(text.synopsis or "" for text in title.localizations.values())]
    return [
        *(f"g:{genre.casefold()}" for genre in title.genres),
        *(f"t:{tag.casefold()}" for tag in title.tags),
        *(f"p:{credit.person_id}" for credit in title.credits),
        *(f"w:{word}" for text in texts for word in WORD.findall(text.casefold())),
    ]


def build(titles: Sequence[StudioTitle]) -> Content:
    """TF-IDF of the titles' tokens (smooth idf, sublinear tf), each row of unit length."""
    vocabulary: dict[str, int] = {}
    rows, columns, counts = [], [], []
    for row, title in enumerate(titles):
        found: dict[int, int] = {}
        for token in tokens(title):
            column = vocabulary.setdefault(token, len(vocabulary))
            found[column] = found.get(column, 0) + 1
        rows += [row] * len(found)
        columns += list(found)
        counts += list(found.values())
    shape = (len(titles), len(vocabulary))
    tf = sp.csr_matrix(
        (np.log1p(np.asarray(counts, dtype=np.float32)), (rows, columns)), shape=shape
    )
    document_frequency = np.bincount(np.asarray(columns, dtype=np.int64), minlength=shape[1])
    idf = np.log((1 + shape[0]) / (1 + document_frequency)) + 1.0
    weighted = sp.csr_matrix(tf @ sp.diags(idf.astype(np.float32)))
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    vectors = sp.csr_matrix(sp.diags(1.0 / norms) @ weighted, dtype=np.float32)
    return Content(np.array([t.id for t in titles], dtype=str), vectors)
