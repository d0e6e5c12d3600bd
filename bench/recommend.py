"""Recommendation models side by side on MovieLens, the tuning behind the production model,
training time at 1 million interactions and the latency of scoring one profile.

Split (written down in docs/recommend.md): per user, ratings in time order (ties by item id);
the last 20 % (rounded down) are the test set, the rest training. Tuning never sees the test
set: the same cut applied to the training set gives a fit part and a validation part; EASE's
``l2`` is chosen on validation NDCG@10, the production model's recency weights, then its
dropout emphasis and diagonal relaxation, by their worst NDCG@10 gain over EASE on that carve
and on a random one; then every model is fitted on the whole training set and measured on test
by the protocol of ``marquee recommend evaluate`` (``recommend.evaluation``).

Latency: for 2,000 profiles (the training rows, repeated), in-process, the production model's
fold-in of the profile's row and its top 20 with the row's items excluded: p50/p99 of wall time
and of the thread's CPU time (on a shared machine the wall time's tail is the scheduler's).
Scale: a synthetic 1,000,000-interaction matrix (``--interactions``; 40,000 users, 20,000
items of Zipf popularity in 50 taste clusters), the production model's and ALS's fits timed
(wall and CPU) with the peak memory they allocate; EASE's BLAS on one thread as the worker
runs it (``--blas-threads N``: on N, 0 for OpenBLAS's default), ``--scale-only``: only that.

    .venv/bin/python bench/recommend.py [--ratings FILE] [--write-split DIR]
        [--interactions 1000000] [--blas-threads N] [--scale-only] [--smoke]

``--ratings`` also reads tab-separated MovieLens files (``u.data``); ``--write-split DIR``
writes train.tsv and test.tsv for ``marquee recommend evaluate``, and stops;
``--random-split`` holds out a random 20 % of all ratings (seed 5) instead of each user's
latest. ``--smoke``: a few hundred ratings, two grid points, 20,000 synthetic interactions
(seconds, for CI).
"""

from __future__ import annotations

import argparse
import csv
import os
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

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
from marquee.recommend.models.base import item_popularity
from marquee.recommend.models.ease import (
    MAX_ITEMS,
    Ease,
    modelled_items,
    penalised_inverse,
    weights_of,
)
from marquee.recommend.models.recency import RecencyEase
from marquee.recommend.training import FIT_BLAS_THREADS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RATINGS = ROOT.parent / "shared/data/movielens/ml-latest-small/ratings.csv"
TEST_SHARE = 0.2
L2_GRID = (100.0, 200.0, 300.0, 500.0, 1000.0)
RECENCY_GRID = tuple((h, f) for h in (3.0, 5.0, 10.0) for f in (0.1, 0.5, 1.0, 2.0))
# (dropout emphasis p, diagonal relaxation ξ): DLAE's penalty and RDLAE's relaxed diagonal
RDLAE_GRID = tuple((p, r) for p in (0.0, 0.15, 0.3) for r in (0.0, 0.1, 0.2, 0.4))
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


def synthetic_ratings() -> Ratings:
    """Ratings to run on when the MovieLens file is absent (``shared/`` is optional): the
    synthetic interactions of :func:`synthetic`, rated 3 to 5 at random."""
    print("(no MovieLens file: synthetic ratings, figures not comparable)")
    matrix = synthetic(60_000, users=1_500, items=3_000).matrix.tocoo()
    return Ratings(
        users=[str(u) for u in matrix.row],
        items=[str(i) for i in matrix.col],
        ratings=np.random.default_rng(3).integers(3, 6, size=matrix.nnz).astype(float),
        times=matrix.data.astype(np.int64),
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


def random_split(ratings: Ratings, share: float, seed: int = 11) -> tuple[Ratings, Ratings]:
    """(kept, held out): each rating held out with probability ``share``."""
    held = np.random.default_rng(seed).random(len(ratings.users)) < share
    return _subset(ratings, np.flatnonzero(~held)), _subset(ratings, np.flatnonzero(held))


class Validation:
    """A fit part and a validation part carved from the training set."""

    def __init__(self, name: str, parts: tuple[Ratings, Ratings]) -> None:
        self.name, (fit_part, self.held_out) = name, parts
        positives = list(positive_items(self.held_out))
        self.interactions, self.rows = to_interactions(fit_part, extra_users=positives)

    def measure(self, model: Recommender) -> tuple[float, float]:
        return score(model, self.interactions, self.rows, self.held_out)


def tune(
    train: Ratings, l2_grid: tuple, recency_grid: tuple, als_grid: tuple, rdlae_grid: tuple
) -> dict:
    """Parameters chosen on validation carved from ``train``: ALS's and EASE's by NDCG@10 on a
    temporal carve; the recency weights, then (at those) the emphasis and relaxation, by the
    smaller of their relative NDCG@10 gains over EASE (same l2) on the temporal carve and on a
    random one, so that the choice holds whether the future or a random sample is held out."""
    temporal = Validation("temporal", split_per_user(train, TEST_SHARE))
    print("tuning on validation:                                  NDCG@10  Recall@20")
    als = max(
        ({"factors": f, "regularization": r, "alpha": a} for f, r, a in als_grid),
        key=lambda params: _shown("als", temporal, Als.fit(temporal.interactions, **params))[0],
    )
    eases = {l2: Ease.fit(temporal.interactions, l2=l2) for l2 in l2_grid}
    ease_ndcg = {l2: _shown("ease", temporal, ease)[0] for l2, ease in eases.items()}
    l2 = max(ease_ndcg, key=ease_ndcg.__getitem__)
    random = Validation("random", random_split(train, TEST_SHARE))
    carves = {temporal: eases[l2], random: Ease.fit(random.interactions, l2=l2)}
    baselines = {temporal: ease_ndcg[l2], random: _shown("ease", random, carves[random])[0]}

    def worst_gain(weights: tuple[float, float]) -> float:
        ndcgs = {
            c: _shown("ease-recency", c, with_recency(e, *weights))[0] for c, e in carves.items()
        }
        return min((ndcgs[c] - baselines[c]) / (baselines[c] or 1.0) for c in carves)

    half_life, floor = max(recency_grid, key=worst_gain)
    gains: dict[tuple[float, float], float] = {}
    for carve in carves:
        for point, ease in rdlae(carve.interactions, l2, rdlae_grid):
            ndcg = _shown("ease-recency", carve, with_recency(ease, half_life, floor))[0]
            gain = (ndcg - baselines[carve]) / (baselines[carve] or 1.0)
            gains[point] = min(gains.get(point, gain), gain)
    emphasis, relax = max(gains, key=gains.__getitem__)
    chosen = {
        "als": als,
        "ease": {"l2": l2},
        "ease-recency": {
            "l2": l2,
            "emphasis": emphasis,
            "relax": relax,
            "half_life": half_life,
            "floor": floor,
        },
    }
    for name, params in chosen.items():
        print(f"chosen for {name}: {params}")
    return chosen


def rdlae(
    interactions: Interactions, l2: float, grid: tuple
) -> Iterator[tuple[tuple[float, float], Ease]]:
    """EASE at ``l2`` with each (emphasis, relax) of ``grid``: one inverse per emphasis, the
    relaxations computed from it."""
    popularity = item_popularity(interactions)
    columns = modelled_items(popularity, MAX_ITEMS)
    for emphasis in dict.fromkeys(p for p, _ in grid):
        penalty, inverse = penalised_inverse(interactions, columns, l2=l2, emphasis=emphasis)
        for relax in (r for p, r in grid if p == emphasis):
            yield (
                (emphasis, relax),
                Ease(
                    item_ids=interactions.item_ids,
                    popularity=popularity,
                    columns=columns,
                    weights=weights_of(inverse.copy(), penalty, relax),
                    params={"l2": l2, "emphasis": emphasis, "relax": relax},
                ),
            )


def with_recency(ease: Ease, half_life: float, floor: float) -> RecencyEase:
    """``ease``'s weights with recency-weighted fold-in (no refit)."""
    return RecencyEase(
        item_ids=ease.item_ids,
        popularity=ease.popularity,
        columns=ease.columns,
        weights=ease.weights,
        params={**ease.params, "half_life": half_life, "floor": floor},
    )


def _shown(name: str, carve: Validation, model: Ease | Als) -> tuple[float, float]:
    ndcg, recall = carve.measure(model)
    skip = ("max_items", "seed", "iterations", "neighbours")
    shown = " ".join(f"{k}={v:g}" for k, v in model.params.items() if k not in skip)
    print(f"  {carve.name:<8} {name:<12} {shown:<34} {ndcg:.4f}   {recall:.4f}")
    return ndcg, recall


def compare(train: Ratings, test: Ratings, tuned: dict) -> None:
    """Every model fitted on the whole training set with its tuned parameters, measured on
    test."""
    interactions, rows = to_interactions(train, extra_users=list(positive_items(test)))
    print(
        f"\ntest: {len(positive_items(test))} users with a positive; {interactions.matrix.nnz}"
        f" training interactions, {interactions.n_items} items"
    )
    print(f"{'model':<14} {'NDCG@10':>8} {'Recall@20':>9} {'train s':>8}  parameters")
    fitted = {
        "popularity": _timed(MODELS["popularity"], interactions),
        "itemknn": _timed(MODELS["itemknn"], interactions),
        "als": _timed(partial(Als.fit, **tuned["als"]), interactions),
        "ease": _timed(partial(Ease.fit, **tuned["ease"]), interactions),
        "ease-recency": _timed(partial(RecencyEase.fit, **tuned["ease-recency"]), interactions),
    }
    for name, (model, train_s) in fitted.items():
        ndcg, recall = score(model, interactions, rows, test)
        print(f"{name:<14} {ndcg:8.4f} {recall:9.4f} {train_s:8.1f}  {tuned.get(name, '')}")
    shipped = getattr(MODELS[PRODUCTION_MODEL], "keywords", {})
    differs = {k: v for k, v in tuned[PRODUCTION_MODEL].items() if shipped.get(k) != v}
    print(
        f"{PRODUCTION_MODEL} as shipped: {shipped}" + (f"; tuned here: {differs}" * bool(differs))
    )
    latency(fitted[PRODUCTION_MODEL][0], interactions)


def _timed(fit: Callable[[Interactions], Recommender], data: Interactions) -> tuple:
    started = time.perf_counter()
    model = fit(data)
    return model, time.perf_counter() - started


def latency(model: Recommender, interactions: Interactions, profiles: int = 2000) -> None:
    """p50/p99 of one profile's fold-in and top 20 with its own items excluded."""
    matrix = interactions.matrix
    lines = [n for n in range(matrix.shape[0]) if matrix.indptr[n + 1] > matrix.indptr[n]]
    wall, cpu = [], []
    for line in (lines * (1 + profiles // max(len(lines), 1)))[:profiles]:
        row = matrix[line]
        started, started_cpu = time.perf_counter(), time.thread_time()
        top_k(model.score_many(row), 20, row_items(row))
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    (p50, p99), (cpu50, cpu99) = np.percentile(wall, [50, 99]), np.percentile(cpu, [50, 99])
    print(
        f"  {model.family}: one profile, fold-in + top 20: p50 {p50:.2f} ms, p99 {p99:.2f} ms "
        f"(CPU time p50 {cpu50:.2f} ms, p99 {cpu99:.2f} ms; load average {os.getloadavg()[0]:.1f})"
    )


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


def scale(n: int, threads: int) -> None:
    """The production model's and ALS's fits on ``n`` synthetic interactions: wall and CPU
    time, and the peak of what the fit allocated (``tracemalloc``: NumPy's and SciPy's arrays
    included, LAPACK works in them); EASE's BLAS on ``threads`` threads (0: OpenBLAS's
    default, one per core). ALS runs its own threads and keeps BLAS to one."""
    interactions = synthetic(n, users=max(n // 25, 10), items=max(n // 50, 20))
    matrix = interactions.matrix
    print(
        f"\nscale: {matrix.nnz} synthetic interactions, {matrix.shape[0]} users, "
        f"{matrix.shape[1]} items (EASE models the {models.ease.MAX_ITEMS} most popular); "
        f"BLAS threads: {threads or 'default'}"
    )
    for name in (PRODUCTION_MODEL, "als"):
        with threadpool_limits(threads or None, "blas"):
            started, started_cpu = time.perf_counter(), time.process_time()
            tracemalloc.start()
            MODELS[name](interactions)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        print(
            f"  {name}: trained in {time.perf_counter() - started:.1f} s "
            f"(CPU {time.process_time() - started_cpu:.1f} s), peak {peak / 2**20:,.0f} MiB "
            f"allocated; load average {os.getloadavg()[0]:.1f}"
        )


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
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=FIT_BLAS_THREADS,
        help="EASE's BLAS threads at scale (default: as the worker fits; 0: OpenBLAS's default)",
    )
    parser.add_argument("--scale-only", action="store_true", help="only the training at scale")
    parser.add_argument("--random-split", action="store_true", help="hold out random ratings")
    parser.add_argument("--smoke", action="store_true", help="seconds: a small sample, for CI")
    args = parser.parse_args()
    if args.scale_only:
        scale(args.interactions, args.blas_threads)
        return
    ratings = read_any(args.ratings) if args.ratings.exists() else synthetic_ratings()
    grids = L2_GRID, RECENCY_GRID, ALS_GRID, RDLAE_GRID
    n = args.interactions
    if args.smoke:
        keep = [i for i, user in enumerate(ratings.users) if zlib.crc32(user.encode()) % 50 == 1]
        ratings = _subset(ratings, np.array(keep))
        grids = L2_GRID[1:3], RECENCY_GRID[:2], ALS_GRID[:1], RDLAE_GRID[4:6]
        n = 20_000
    if args.random_split:
        train, test = random_split(ratings, TEST_SHARE, seed=5)
        split = f"random split, {TEST_SHARE:.0%} of all ratings (seed 5) are the test set"
    else:
        train, test = split_per_user(ratings, TEST_SHARE)
        split = f"per-user temporal split, last {TEST_SHARE:.0%} of each user's ratings are test"
    print(f"{args.ratings}: {len(ratings.users)} ratings; {split}")
    if args.write_split:
        write_split(args.write_split, train, test)
        return
    tuned = tune(train, *grids)
    compare(train, test, tuned)
    scale(n, args.blas_threads)


if __name__ == "__main__":
    main()
