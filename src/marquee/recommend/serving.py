"""The model an API node serves, swapped without a restart, and a profile's scores from it.

Each process keeps one :class:`Served` per object store. Every ``recommend_model_poll_s`` it
looks at the pointer object (a few bytes); a new version is loaded and swapped in. An API node
does that on a thread of its own (:meth:`Served.watch`), so no request waits for a load; any
other process looks when it asks for the model and the last look is that old.
When its artifact is missing or corrupt the node keeps the last good model; a node that has
none yet loads the version's popularity model instead; with neither, it serves nothing and
discovery's heuristic rows stand in. Each case is logged and shown on ``/metrics``:
``marquee_recommend_model_source`` (0 current version, 1 last good, 2 popularity, 3 none) and
``marquee_recommend_artifact_failures_total``.

Fold-in: a profile's fresh signals (read at each call) are scored against the loaded model, so
new plays and thumbs change its scores at once, with no retrain.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from prometheus_client import Counter, Gauge

from marquee.kit.storage import ObjectStore, open_object_store
from marquee.recommend.artifact import ArtifactError
from marquee.recommend.content import Content
from marquee.recommend.models import Recommender, load, top_k
from marquee.recommend.schemas import Signals
from marquee.recommend.training import Pointer, current_pointer
from marquee.settings import Settings

log = logging.getLogger(__name__)

SOURCE = Gauge(
    "marquee_recommend_model_source",
    "Which model this process serves: 0 the current version, 1 the last good one, "
    "2 the version's popularity model, 3 none",
)
FAILURES = Counter(
    "marquee_recommend_artifact_failures_total",
    "Model artifacts this process could not load (missing, corrupt, content: metadata vectors)",
    ["reason"],
)
SOURCE.set(3)


class Source(IntEnum):
    CURRENT = 0
    LAST_GOOD = 1
    POPULARITY = 2
    NONE = 3


#: At most one title in this many of a profile's picks is one the model does not know.
COLD_EVERY = 5
#: Sets of visible titles whose hidden columns a loaded model keeps (territories × maturities).
HIDDEN_SETS = 64


@dataclass(frozen=True)
class Loaded:
    version: str
    model: Recommender
    columns: dict[str, int]
    content: Content | None = None
    #: Per set of titles a caller may see: the columns outside it (see :func:`_hidden`).
    _hidden: dict[int, tuple[frozenset[str], np.ndarray]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @cached_property
    def without_column(self) -> np.ndarray | None:
        """Which of the metadata's titles the model has no column for (a mask over
        ``content.item_ids``), made once per loaded model."""
        if self.content is None:
            return None
        return np.array([str(t) not in self.columns for t in self.content.item_ids], dtype=bool)


class Served:
    """The model one node serves from one object store."""

    def __init__(self, storage: ObjectStore, poll_s: float) -> None:
        self.storage, self.poll_s = storage, poll_s
        self.loaded: Loaded | None = None
        self.source = Source.NONE
        self._seen: str | None = None
        self._content: Content | None = None
        self._next_poll = 0.0
        self._lock = threading.Lock()
        self._pointer: Pointer | None = None
        self._popularity: Loaded | None = None
        self._watcher: threading.Thread | None = None
        self._unwatched = threading.Event()

    def current(self) -> Loaded | None:
        """The model to serve, after a look at the pointer when one is due and no thread
        watches it."""
        if self._watcher is None and time.monotonic() >= self._next_poll:
            self._look()
        return self.loaded

    def watch(self) -> None:
        """Look at the pointer now, then every ``poll_s`` on a daemon thread. Looking from
        requests, the one that found a new version waited seconds for its load, and rows built
        meanwhile were cached under the old version, to be built again in the traffic."""
        with self._lock:
            if self._watcher is not None:
                return
            self._watcher = threading.Thread(
                target=self._watch, name="recommend-model", daemon=True
            )
        try:
            self._look()
        finally:  # a store unreadable now is looked at again by the thread
            self._watcher.start()

    def unwatch(self) -> None:
        """Stop the thread of :meth:`watch` (it ends within ``poll_s``)."""
        self._unwatched.set()

    def _watch(self) -> None:
        while not self._unwatched.wait(self.poll_s):
            try:
                self._look()
            except Exception:  # an unreadable store now: look again at the next poll
                log.exception("recommend: could not look for a new model version")

    def _look(self) -> None:
        if self._lock.acquire(blocking=False):
            try:
                self._next_poll = time.monotonic() + self.poll_s
                self.refresh()
            finally:
                self._lock.release()

    def popularity(self) -> Loaded | None:
        """The served version's popularity model (an experiment's ``recommend_model``
        variant), loaded at its first use per version; None when it cannot be."""
        loaded, pointer = self.current(), self._pointer
        if loaded is None or pointer is None:
            return None
        version = f"{pointer.version}-popularity"
        if self._popularity is None or self._popularity.version != version:
            try:
                model = self._load(pointer.fallback_key)
            except ArtifactError as exc:
                log.error("recommend: popularity model of %s unusable (%s)", version, exc)
                return None
            columns = {str(title_id): n for n, title_id in enumerate(model.item_ids)}
            self._popularity = Loaded(version, model, columns, self._content)
        return self._popularity

    def refresh(self) -> None:
        """Load the pointer's version if it is new to this node."""
        pointer = current_pointer(self.storage)
        if pointer is None or pointer.version == self._seen:
            return
        self._seen, self._pointer = pointer.version, pointer
        self._content = self._load_content(pointer)
        try:
            self._swap(pointer.version, self._load(pointer.key), Source.CURRENT)
            log.info("recommend: serving model version %s", pointer.version)
        except ArtifactError as exc:
            self._fall_back(pointer, str(exc))

    def _fall_back(self, pointer: Pointer, reason: str) -> None:
        if self.loaded is not None:
            log.error(
                "recommend: model version %s unusable (%s); keeping version %s",
                pointer.version,
                reason,
                self.loaded.version,
            )
            self._set_source(Source.LAST_GOOD)
            return
        try:
            model = self._load(pointer.fallback_key)
        except ArtifactError as exc:
            log.error(
                "recommend: model version %s and its popularity model unusable (%s; %s); "
                "no model served",
                pointer.version,
                reason,
                exc,
            )
            self._set_source(Source.NONE)
            return
        log.error(
            "recommend: model version %s unusable (%s); serving its popularity model",
            pointer.version,
            reason,
        )
        self._swap(f"{pointer.version}-popularity", model, Source.POPULARITY)

    def _load(self, key: str) -> Recommender:
        try:
            blob = self.storage.get_bytes(key)
        except KeyError:
            FAILURES.labels(reason="missing").inc()
            raise ArtifactError(f"model artifact {key} missing") from None
        try:
            return load(blob)
        except ArtifactError:
            FAILURES.labels(reason="corrupt").inc()
            raise

    def _load_content(self, pointer: Pointer) -> Content | None:
        """The version's metadata vectors; without them (logged) no title without plays is
        picked, and the rest is served as usual."""
        try:
            return Content.from_bytes(self.storage.get_bytes(pointer.content_key))
        except (KeyError, ArtifactError) as exc:
            FAILURES.labels(reason="content").inc()
            log.error("recommend: metadata of version %s unusable (%s)", pointer.version, exc)
            return None

    def _swap(self, version: str, model: Recommender, source: Source) -> None:
        columns = {str(title_id): n for n, title_id in enumerate(model.item_ids)}
        self.loaded = Loaded(version, model, columns, self._content)
        self._set_source(source)

    def _set_source(self, source: Source) -> None:
        self.source = source
        SOURCE.set(source)


_SERVED: dict[str, Served] = {}
#: The object store's URL per storage URL setting and absolute data dir, resolved once.
_URLS: dict[tuple[str, Path], str] = {}
_SERVED_LOCK = threading.Lock()


def served(settings: Settings) -> Served:
    """This process's :class:`Served` for the settings' object store (opened here, once per
    store, so that any caller holding the settings reaches the same model).

    Every cached browse answer asks on the event loop (its cache key names the model
    version), so the store's URL is resolved once per setting: resolving the data dir each time
    cost 8 ``stat`` calls, about 40 µs of CPU, and as many waits for the GIL."""
    given = (settings.storage_url, settings.data_dir.absolute())  # no I/O when absolute
    with _SERVED_LOCK:
        url = _URLS.get(given)
        if url is None:
            url = _URLS[given] = settings.resolved_storage_url
        found = _SERVED.get(url)
        if found is None:
            found = _SERVED[url] = Served(open_object_store(url), settings.recommend_model_poll_s)
        return found


def fold_in(loaded: Loaded, signals: Signals) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The profile's row over the model's items, each positive signal at its time, and the
    same pairs' strengths (a title only searched for counts less)."""
    known = [t for t in signals.positive if t in loaded.columns]
    columns = np.array([loaded.columns[t] for t in known], dtype=np.int64)
    rows = np.zeros(len(known), dtype=np.int64)
    shape = (1, loaded.model.n_items)
    times = np.array([signals.positive[t] for t in known], dtype=np.float64)
    strength = np.array([signals.strength.get(t, 1.0) for t in known], dtype=np.float64)
    return (
        sp.csr_matrix((times, (rows, columns)), shape=shape),
        sp.csr_matrix((strength, (rows, columns)), shape=shape),
    )


def ranked(
    loaded: Loaded,
    signals: Signals,
    *,
    country: str,
    limit: int,
    allowed: frozenset[str] | None = None,
) -> list[tuple[str, float]]:
    """The profile's best titles and their scores, best first: none it has a positive signal
    on or rated thumbs down, and only titles of ``allowed`` when given (what the profile may
    see: a kids profile's picks are not spent on titles it would never be shown)."""
    row, strength = fold_in(loaded, signals)
    scores = loaded.model.score(row, country=country, strength=strength)
    best = top_k(scores[None, :], limit, [_excluded(loaded, signals, allowed)])[0]
    picked = [(str(loaded.model.item_ids[c]), float(scores[c])) for c in best]
    cold = _cold(loaded, signals, allowed, max(1, limit // COLD_EVERY))
    return _with_cold(picked, cold, limit)


def _cold(
    loaded: Loaded, signals: Signals, allowed: frozenset[str] | None, count: int
) -> list[str]:
    """``count`` titles at most the model has no column for (no plays when it was trained),
    by how much their metadata looks like the profile's titles."""
    if loaded.content is None:
        return []
    similar = loaded.content.similar_to(
        signals.positive,
        leave_out=[*signals.positive, *signals.down],
        among=loaded.without_column,
        allowed=allowed,
        limit=count,
    )
    return [t for t, _ in similar]


def _with_cold(
    picked: list[tuple[str, float]], cold: list[str], limit: int
) -> list[tuple[str, float]]:
    """``picked`` with a cold title in every :data:`COLD_EVERY` places (the third, the
    eighth …), scored as the title it comes before, so orderings by score keep it there."""
    merged = list(picked)
    for n, title_id in enumerate(cold[: max(1, limit // COLD_EVERY)]):
        at = min(2 + n * COLD_EVERY, len(merged))
        score = merged[at][1] if at < len(merged) else (merged[-1][1] if merged else 0.0)
        merged.insert(at, (title_id, score))
    return merged[:limit]


def similar(
    loaded: Loaded,
    title_id: str,
    signals: Signals,
    *,
    limit: int,
    allowed: frozenset[str] | None = None,
) -> list[str]:
    """Titles the model puts next to ``title_id`` (its row alone, folded in), or its metadata
    when the model does not know it, without those the profile already has a signal on."""
    column = loaded.columns.get(title_id)
    if column is None:  # no plays when the model was trained: its metadata's neighbours
        if loaded.content is None:
            return []
        leave_out = [title_id, *signals.positive, *signals.down]
        found = loaded.content.similar_to(
            [title_id], leave_out=leave_out, allowed=allowed, limit=limit
        )
        return [t for t, _ in found]
    row = sp.csr_matrix(([1.0], ([0], [column])), shape=(1, loaded.model.n_items))
    best = loaded.model.recommend(row, limit, _excluded(loaded, signals, allowed))
    return [str(loaded.model.item_ids[c]) for c in best]


def _excluded(loaded: Loaded, signals: Signals, allowed: frozenset[str] | None) -> np.ndarray:
    titles = (*signals.positive, *signals.down)
    own = np.array([loaded.columns[t] for t in titles if t in loaded.columns], dtype=np.int64)
    return own if allowed is None else np.concatenate([own, _hidden(loaded, allowed)])


def _hidden(loaded: Loaded, allowed: frozenset[str]) -> np.ndarray:
    """The model's columns outside ``allowed``, kept per set: callers hand the same frozen set
    (discovery's visible set per territory and maturity) until it is computed again."""
    found = loaded._hidden.get(id(allowed))
    if found is not None and found[0] is allowed:
        return found[1]
    outside = np.array([t not in allowed for t in loaded.columns], dtype=bool)
    if len(loaded._hidden) >= HIDDEN_SETS:
        loaded._hidden.clear()
    loaded._hidden[id(allowed)] = (allowed, np.flatnonzero(outside))
    return loaded._hidden[id(allowed)][1]
