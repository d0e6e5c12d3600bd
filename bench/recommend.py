"""Recommendation models side by side on MovieLens, the tuning behind the production model,
training time at 1 million interactions and the latency of scoring one profile.

Split (written down in docs/recommend.md): per user, ratings in time order (ties by item id);
the last 20 % (rounded down) are the test set, the rest training. Tuning never sees the test
set: the same cut applied to the training set gives a fit part and a validation part; EASE's
``l2`` and the recency weights are chosen on validation NDCG@10, then every model is fitted on
the whole training set and measured on test by the protocol of ``marquee recommend evaluate``
(``recommend.evaluation``).

Latency: for 500 test users, in-process, the production model's fold-in of the
profile's row and its top 20 with the row's items excluded (p50/p99). Scale: a synthetic
1,000,000-interaction matrix (``--interactions``; 40,000 users, 20,000 items of Zipf
popularity in 50 taste clusters), the production model's fit timed.

    .venv/bin/python bench/recommend.py [--ratings FILE] [--write-split DIR]
        [--interactions 1000000] [--smoke]

``--ratings`` also reads tab-separated MovieLens files (``u.data``); ``--write-split DIR``
writes train.tsv and test.tsv for ``marquee recommend evaluate``. ``--smoke``: a few hundred
ratings, two grid points, 20,000 synthetic interactions (seconds, for CI).
"""

from __future__ import annotations

import argparse
import csv
import time
from functools import partial
from pathlib import Path

import numpy as np

from marquee.recommend import models
from marquee.recommend.evaluation import (
    Ratings,
    measure,
    positive_items,
    read_ratings,
    to_interactions,
)
from marquee.recommend.interactions import Interactions, build, row_items
from marquee.recommend.models import MODELS, PRODUCTION_MODEL, Recommender, top_k
from marquee.recommend.models.als import Als
from marquee.recommend.models.ease import Ease
from marquee.recommend.models.recency import RecencyEase

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RATINGS = ROOT.parent / "shared/data/movielens/ml-latest-small/ratings.csv"
TEST_SHARE = 0.2
# (l2, emphasis) fits: EASE is tuned on those with emphasis 0; the recency model on all of
# them, each with every (half_life, floor) of RECENCY_GRID.
FITS = (
    (100.0, 0.0),
    (200.0, 0.0),
    (300.0, 0.0),
    (500.0, 0.0),
    (1000.0, 0.0),
    (100.0, 0.15),
    (200.0, 0.15),
    (300.0, 0.15),
)
RECENCY_GRID = ((5.0, 0.1), (10.0, 0.0), (10.0, 0.1), (10.0, 0.3), (20.0, 0.1))
# (factors, regularization, alpha)
ALS_GRID = ((32, 0.1, 10.0), (64, 0.1, 10.0), (64, 1.0, 5.0), (128, 0.1, 10.0), (128, 1.0, 20.0))


def read_any(path: Path) -> Ratings:
    """MovieLens ratings, CSV with a header (ml-latest) or tab-separated (``u.data``)."""
    if path.suffix != ".csv":
        return read_ratings(path)
    with path.open(newline="") as lines:
        rows = list(csv.reader(lines))[1:]
    return Ratings(
        users=[row[0] for row in rows],
        items=[row[1] for row in rows],
        ratings=np.array([float(row[2]) for row in rows]),
        times=np.array([int(row[3]) for row in rows]),
    )


def split_per_user(ratings: Ratings, share: float) -> tuple[Ratings, Ratings]:
    """(earlier, later): each user's last ``share`` of ratings in time order go to later."""
    users = np.array(ratings.users)
    order = np.lexsort((np.array(ratings.items), ratings.times, users))
    sorted_users = users[order]
    starts = np.flatnonzero(np.r_[True, sorted_users[1:] != sorted_users[:-1]])
    counts = np.diff(np.r_[starts, len(order)])
    position = np.arange(len(order)) - np.repeat(starts, counts)
    later = position >= np.repeat(counts - np.floor(counts * share).astype(int), counts)
    return _subset(ratings, order[~later]), _subset(ratings, order[later])


def _subset(ratings: Ratings, keep: np.ndarray) -> Ratings:
    return Ratings(
        users=[ratings.users[i] for i in keep],
        items=[ratings.items[i] for i in keep],
        ratings=ratings.ratings[keep],
        times=ratings.times[keep],
    )


def score(model: Recommender, interactions: Interactions, rows: dict[str, int], test: Ratings):
    positives = positive_items(test)
    return measure(model, interactions, [rows[u] for u in positives], list(positives.values()))


def tune(train: Ratings, fits: tuple[tuple[float, float], ...], weights: tuple, als: tuple) -> dict:
    """The parameters with the best validation NDCG@10: EASE's l2 (emphasis 0), the recency
    model's l2, emphasis, half_life and floor, and ALS's factors, regularization and alpha."""
    fit_part, validation = split_per_user(train, TEST_SHARE)
    interactions, rows = to_interactions(fit_part, extra_users=list(positive_items(validation)))
    print("tuning on validation:                                 NDCG@10  Recall@20")
    best: dict[str, tuple[float, dict]] = {
        "ease": (-1.0, {}),
        "ease-recency": (-1.0, {}),
        "als": (-1.0, {}),
    }
    for factors, regularization, alpha in als:
        fitted = Als.fit(interactions, factors=factors, regularization=regularization, alpha=alpha)
        _keep_best(best, "als", fitted, interactions, rows, validation)
    for l2, emphasis in fits:
        ease = Ease.fit(interactions, l2=l2, emphasis=emphasis)
        if emphasis == 0:
            _keep_best(best, "ease", ease, interactions, rows, validation)
        for half_life, floor in weights:
            recency = RecencyEase(
                item_ids=ease.item_ids,
                popularity=ease.popularity,
                columns=ease.columns,
                weights=ease.weights,
                params={**ease.params, "half_life": half_life, "floor": floor},
            )
            _keep_best(best, "ease-recency", recency, interactions, rows, validation)
    for name, (_, params) in best.items():
        print(f"chosen for {name}: {params}")
    return {name: params for name, (_, params) in best.items()}


def _keep_best(best: dict, name: str, model: Ease | Als, interactions, rows, validation) -> None:
    ndcg, recall = score(model, interactions, rows, validation)
    params = {k: v for k, v in model.params.items() if k not in ("max_items", "seed")}
    shown = " ".join(f"{k}={v:g}" for k, v in params.items())
    print(f"  {name:<12} {shown:<40} {ndcg:.4f}   {recall:.4f}")
    if ndcg > best[name][0]:
        best[name] = (ndcg, params)


def compare(train: Ratings, test: Ratings, candidates: dict) -> None:
    interactions, rows = to_interactions(train, extra_users=list(positive_items(test)))
    print(
        f"\ntest: {len(positive_items(test))} users with a positive; {interactions.matrix.nnz}"
        f" training interactions, {interactions.n_items} items"
    )
    print(f"{'model':<28} {'NDCG@10':>8} {'Recall@20':>9} {'train s':>8}")
    for name, factory in candidates.items():
        started = time.perf_counter()
        model = factory(interactions)
        train_s = time.perf_counter() - started
        ndcg, recall = score(model, interactions, rows, test)
        print(f"{name:<28} {ndcg:8.4f} {recall:9.4f} {train_s:8.1f}")
        if name.startswith(PRODUCTION_MODEL):
            latency(model, interactions)


def latency(model: Recommender, interactions: Interactions, profiles: int = 500) -> None:
    """p50/p99 of one profile's fold-in and top 20 with its own items excluded."""
    matrix = interactions.matrix
    lines = [n for n in range(matrix.shape[0]) if matrix.indptr[n + 1] > matrix.indptr[n]]
    times = []
    for line in (lines * (1 + profiles // max(len(lines), 1)))[:profiles]:
        row = matrix[line]
        started = time.perf_counter()
        top_k(model.score_many(row), 20, row_items(row))
        times.append((time.perf_counter() - started) * 1000)
    p50, p99 = np.percentile(times, [50, 99])
    print(f"  {model.family}: one profile, fold-in + top 20: p50 {p50:.2f} ms, p99 {p99:.2f} ms")


def synthetic(n: int, *, users: int, items: int, seed: int = 7) -> Interactions:
    """About ``n`` distinct interactions with structure: each user belongs to one of 50 taste
    clusters, each a shuffled Zipf popularity over the items; repeated pairs count once."""
    rng = np.random.default_rng(seed)
    draws = int(n * 1.25)
    zipf = 1 / np.arange(1, items + 1) ** 0.9
    tastes = np.stack([rng.permutation(items) for _ in range(50)])
    row = rng.integers(0, users, size=draws)
    column = tastes[row % 50, rng.choice(items, size=draws, p=zipf / zipf.sum())]
    pairs = np.unique(row * items + column)
    pairs = rng.permutation(pairs)[:n]
    return build(
        pairs // items,
        pairs % items,
        rng.integers(1, 10**9, size=len(pairs)),
        n_users=users,
        item_ids=[str(i) for i in range(items)],
    )


def scale(n: int) -> None:
    interactions = synthetic(n, users=max(n // 25, 10), items=max(n // 50, 20))
    matrix = interactions.matrix
    print(
        f"\nscale: {matrix.nnz} synthetic interactions, {matrix.shape[0]} users, "
        f"{matrix.shape[1]} items (EASE models the {models.ease.MAX_ITEMS} most popular)"
    )
    for name in (PRODUCTION_MODEL, "als"):
        started = time.perf_counter()
        MODELS[name](interactions)
        print(f"  {name}: trained in {time.perf_counter() - started:.1f} s")


def write_split(directory: Path, train: Ratings, test: Ratings) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, part in (("train.tsv", train), ("test.tsv", test)):
        lines = zip(part.users, part.items, part.ratings, part.times, strict=True)
        (directory / name).write_text("".join(f"{u}\t{i}\t{r:g}\t{t}\n" for u, i, r, t in lines))
    print(f"wrote {directory}/train.tsv and test.tsv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratings", type=Path, default=DEFAULT_RATINGS)
    parser.add_argument("--write-split", type=Path)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--smoke", action="store_true", help="seconds: a small sample, for CI")
    args = parser.parse_args()
    ratings = read_any(args.ratings)
    fits, grid_recency, grid_als, n = FITS, RECENCY_GRID, ALS_GRID, args.interactions
    if args.smoke:
        keep = [i for i, user in enumerate(ratings.users) if int(user) % 50 == 1]
        ratings = _subset(ratings, np.array(keep))
        fits, grid_recency, grid_als, n = FITS[1:3], RECENCY_GRID[2:3], ALS_GRID[:1], 20_000
    train, test = split_per_user(ratings, TEST_SHARE)
    print(
        f"{args.ratings}: {len(ratings.users)} ratings; per-user temporal split, last "
        f"{TEST_SHARE:.0%} of each user's ratings are the test set"
    )
    if args.write_split:
        write_split(args.write_split, train, test)
    tuned = tune(train, fits, grid_recency, grid_als)
    candidates = {
        "popularity": MODELS["popularity"],
        "itemknn": MODELS["itemknn"],
        "als (as shipped)": MODELS["als"],
        "als (tuned here)": partial(Als.fit, **tuned["als"]),
        "ease (as shipped)": MODELS["ease"],
        "ease (tuned here)": partial(Ease.fit, **tuned["ease"]),
        f"{PRODUCTION_MODEL} (as shipped)": MODELS[PRODUCTION_MODEL],
        "ease-recency (tuned here)": partial(RecencyEase.fit, **tuned["ease-recency"]),
    }
    compare(train, test, candidates)
    scale(n)


if __name__ == "__main__":
    main()
