"""Offline evaluation over MovieLens-format files (``user<TAB>item<TAB>rating<TAB>timestamp``).

Protocol (issue 21, a public contract): every training rating is an interaction; test positives
are test ratings >= 4; items a user has in training are never recommended; NDCG@10 and
Recall@20 (denominator min(20, the user's positives)) are averaged over the test users with at
least one positive. A test user with no training rating is scored from an empty row (the fold-in
of nothing: the model's scores for nobody, popularity breaking ties); test items absent from
training can never be recommended but still count as positives.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from marquee.recommend import interactions as interaction_matrix
from marquee.recommend.interactions import Interactions, row_items
from marquee.recommend.models import Recommender, fit, top_k

POSITIVE_RATING = 4.0
FIELDS = "user item rating timestamp"
BATCH = 256


class MalformedRatings(ValueError):
    """A ratings file that cannot be read: the message is ``FILE:LINE: reason``."""


@dataclass(frozen=True)
class Ratings:
    users: list[str]
    items: list[str]
    ratings: np.ndarray
    times: np.ndarray


@dataclass(frozen=True)
class Evaluation:
    model: str
    ndcg_at_10: float
    recall_at_20: float
    users: int
    train_s: float


def read_ratings(path: Path) -> Ratings:
    """The ratings of a tab-separated file; :class:`MalformedRatings` at the first bad line.
    Blank lines are skipped."""
    users: list[str] = []
    items: list[str] = []
    ratings: list[float] = []
    times: list[int] = []
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                fields = _fields(raw)
            except ValueError as reason:
                raise MalformedRatings(f"{path}:{number}: {reason}") from None
            if fields is not None:
                users.append(fields[0])
                items.append(fields[1])
                ratings.append(fields[2])
                times.append(fields[3])
    return Ratings(users, items, np.array(ratings, dtype=np.float64), np.array(times))


def _fields(raw: bytes) -> tuple[str, str, float, int] | None:
    try:
        line = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    if not line.strip():
        return None
    fields = line.split("\t")
    if len(fields) != 4:
        raise ValueError(f"expected 4 tab-separated fields ({FIELDS}), found {len(fields)}")
    user, item, rating, timestamp = (field.strip() for field in fields)
    if not user or not item:
        raise ValueError("empty user or item")
    try:
        value = float(rating)
    except ValueError:
        raise ValueError(f"rating {rating!r} is not a number") from None
    if not np.isfinite(value):
        raise ValueError(f"rating {rating!r} is not a finite number")
    try:
        when = int(timestamp)
    except ValueError:
        raise ValueError(f"timestamp {timestamp!r} is not an integer") from None
    return user, item, value, when


def to_interactions(
    train: Ratings, *, extra_users: Sequence[str] = ()
) -> tuple[Interactions, dict[str, int]]:
    """Every training rating as an interaction, and each user's row (``extra_users`` get empty
    rows: users with nothing in training)."""
    rows = {user: n for n, user in enumerate(dict.fromkeys([*train.users, *extra_users]))}
    columns = {item: n for n, item in enumerate(dict.fromkeys(train.items))}
    # Times shifted to start at 1: the matrix keeps order, and a value of 0 would vanish.
    first = train.times.min() if len(train.times) else 0
    built = interaction_matrix.build(
        [rows[user] for user in train.users],
        [columns[item] for item in train.items],
        train.times - first + 1,
        n_users=len(rows),
        item_ids=list(columns),
    )
    return built, rows


def evaluate(train: Ratings, test: Ratings, *, model: str) -> Evaluation:
    """Fit the named model on ``train`` and measure it on ``test`` (the module's protocol)."""
    positives = positive_items(test)
    interactions, rows = to_interactions(train, extra_users=list(positives))
    started = time.perf_counter()
    fitted = fit(model, interactions)
    train_s = time.perf_counter() - started
    ndcg, recall = measure(
        fitted, interactions, [rows[u] for u in positives], list(positives.values())
    )
    return Evaluation(
        model=model,
        ndcg_at_10=ndcg,
        recall_at_20=recall,
        users=len(positives),
        train_s=train_s,
    )


def positive_items(test: Ratings) -> dict[str, set[str]]:
    """Each test user's positives (ratings >= 4); users without any are left out."""
    positives: dict[str, set[str]] = {}
    for user, item, rating in zip(test.users, test.items, test.ratings, strict=True):
        if rating >= POSITIVE_RATING:
            positives.setdefault(user, set()).add(item)
    return positives


def measure(
    model: Recommender,
    interactions: Interactions,
    rows: Sequence[int],
    wanted: Sequence[set[str]],
) -> tuple[float, float]:
    """Mean NDCG@10 and Recall@20 over ``rows`` (users), each with its positive item ids
    (``wanted``); a row's own items are never recommended."""
    if not rows:
        return 0.0, 0.0
    ndcgs: list[float] = []
    recalls: list[float] = []
    for start in range(0, len(rows), BATCH):
        batch = interactions.matrix[list(rows[start : start + BATCH])]
        seen = row_items(batch)
        for line, ranked in enumerate(top_k(model.score_many(batch), 20, seen)):
            hits = [str(item) in wanted[start + line] for item in interactions.item_ids[ranked]]
            ndcgs.append(ndcg_at(hits, len(wanted[start + line]), 10))
            recalls.append(recall_at(hits, len(wanted[start + line]), 20))
    return float(np.mean(ndcgs)), float(np.mean(recalls))


def ndcg_at(hits: Sequence[bool], positives: int, k: int) -> float:
    """Binary-relevance NDCG of a ranking cut at ``k``: its DCG over the best possible one."""
    gains = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = float(sum(g for g, hit in zip(gains, hits[:k], strict=False) if hit))
    ideal = float(gains[: min(k, positives)].sum())
    return dcg / ideal if ideal else 0.0


def recall_at(hits: Sequence[bool], positives: int, k: int) -> float:
    """Share of the positives found in the first ``k``, out of at most ``k``."""
    return sum(hits[:k]) / min(k, positives) if positives else 0.0
