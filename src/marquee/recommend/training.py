"""Retraining the production model from the profiles' signals, and publishing it.

A version is two objects: the model's artifact (``recommend/models/<version>.npz``) and a
popularity model of the same signals (``…-popularity.npz``), the fallback of a node that cannot
load the first. A third, ``…-content.npz``, holds every published title's metadata vector
(``content``), through which titles with no plays yet are reached. The pointer object
``recommend/current.json`` names the version; API nodes poll
it (``serving``). Artifacts are written before the pointer, so a pointer never names objects
that are not there yet. Rows of the training matrix are numbered per training: no profile id
leaves the database."""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from marquee.catalog import service as catalog
from marquee.kit.db import utcnow
from marquee.kit.storage import ObjectStore
from marquee.recommend import content
from marquee.recommend import repository as repo
from marquee.recommend.interactions import Interactions, build
from marquee.recommend.models import PRODUCTION_MODEL, fit

log = logging.getLogger(__name__)
POINTER = "recommend/current.json"
#: Signals older than this are not trained on.
HISTORY = timedelta(days=730)
#: BLAS threads of a fit. A worker shares its cores with transcodes and the API; OpenBLAS's
#: threads wait on each other at every step of the Cholesky inverse, and on busy cores two
#: took twice the CPU time of one for no gain in wall time (docs/recommend.md, Scale).
FIT_BLAS_THREADS = 1


@dataclass(frozen=True)
class Pointer:
    version: str
    model: str
    trained_at: datetime

    @property
    def key(self) -> str:
        return f"recommend/models/{self.version}.npz"

    @property
    def fallback_key(self) -> str:
        return f"recommend/models/{self.version}-popularity.npz"

    @property
    def content_key(self) -> str:
        return f"recommend/models/{self.version}-content.npz"

    def to_json(self) -> bytes:
        body = {
            "version": self.version,
            "model": self.model,
            "trained_at": self.trained_at.isoformat(),
        }
        return json.dumps(body).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Pointer:
        """The pointer; ``ValueError`` when it is not one."""
        body = json.loads(raw)
        return cls(
            str(body["version"]), str(body["model"]), datetime.fromisoformat(body["trained_at"])
        )


def interactions_from(session: Session, *, now: datetime) -> Interactions:
    """Every positive signal of the last :data:`HISTORY`, one row per profile, thumbs down
    taken out, each with its strength (a search click counts less than a play)."""
    down = set(repo.thumbs_down(session))
    rows: dict[str, int] = {}
    columns: dict[str, int] = {}
    countries: list[str] = []
    users, items, times, strengths = [], [], [], []
    for profile_id, title_id, territory, at, strength in repo.every_signal(session, now - HISTORY):
        if (profile_id, title_id) in down:
            continue
        row = rows.setdefault(profile_id, len(rows))
        if row == len(countries):
            countries.append(territory)
        elif territory and not countries[row]:
            countries[row] = territory
        users.append(row)
        items.append(columns.setdefault(title_id, len(columns)))
        times.append(at)
        strengths.append(strength)
    return build(
        users,
        items,
        times,
        n_users=len(rows),
        item_ids=list(columns),
        countries=countries,
        strengths=strengths,
    )


def retrain(
    session: Session, storage: ObjectStore, *, model: str = PRODUCTION_MODEL
) -> Pointer | None:
    """Fit ``model`` and popularity on the signals, save both, then move the pointer; None
    when there is nothing to train on yet."""
    started = time.perf_counter()
    interactions = interactions_from(session, now=utcnow())
    if interactions.matrix.nnz == 0:
        log.info("recommend: no signals to train on yet")
        return None
    pointer = Pointer(
        version=f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", model=model, trained_at=utcnow()
    )
    with threadpool_limits(FIT_BLAS_THREADS, "blas"):
        fitted = fit(model, interactions)
    storage.put_bytes(pointer.key, fitted.to_bytes())
    storage.put_bytes(pointer.fallback_key, fit("popularity", interactions).to_bytes())
    titles = catalog.published_titles(session)
    storage.put_bytes(pointer.content_key, content.build(titles).to_bytes())
    storage.put_bytes(POINTER, pointer.to_json(), content_type="application/json")
    log.info(
        "recommend: trained %s version %s on %d interactions of %d profiles in %.1f s",
        model,
        pointer.version,
        interactions.matrix.nnz,
        interactions.matrix.shape[0],
        time.perf_counter() - started,
    )
    return pointer


def current_pointer(storage: ObjectStore) -> Pointer | None:
    """The pointer object, or None when there is none or it cannot be read."""
    try:
        return Pointer.from_json(storage.get_bytes(POINTER))
    except (KeyError, ValueError, TypeError):
        return None
