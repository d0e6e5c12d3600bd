"""Definitions and exposure counts on every database backend (SQLite always; PostgreSQL and
MariaDB when they answer): the JSON columns, the ``key`` column and the layer's ranges."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from marquee.experiments import service
from marquee.experiments.errors import LayerOverlap
from marquee.experiments.events import ExposureRecorded
from marquee.experiments.models import Experiment
from marquee.experiments.schemas import ExperimentIn
from marquee.kit.db import Database


def _form(layer: str, rollout: int) -> ExperimentIn:
    return ExperimentIn.model_validate(
        {
            "key": f"b-{uuid.uuid4().hex[:8]}",
            "unit": "profile",
            "layer": layer,
            "rollout": rollout,
            "variants": [
                {"key": "a", "weight": 50, "parameters": {"rows": ["x", "y"]}},
                {"key": "b", "weight": 50, "parameters": {"rows": ["y", "x"]}},
            ],
            "audience": {"countries": ["FR"]},
        }
    )


def test_definitions_ranges_and_exposures_round_trip(database_url: str) -> None:
    db = Database(database_url)
    layer = uuid.uuid4().hex[:8]
    try:
        with db.transaction() as session:
            first = service.create_experiment(session, form=_form(layer, 70))
            service.start_experiment(session, key=first.key)
        with db.transaction() as session, pytest.raises(LayerOverlap):
            service.create_experiment(session, form=_form(layer, 40))
        with db.transaction() as session:
            kept = service.get_experiment(session, key=first.key)
            assert kept.variants[1].parameters == {"rows": ["y", "x"]}
            assert kept.audience.countries == ["FR"]
            assert kept.state == "running"
        experiment_id = _id_of(db, first.key)
        exposure = ExposureRecorded(
            experiment_id=experiment_id,
            experiment=first.key,
            variant="a",
            unit_id="u1",
            account_id="acc1",
            profile_id="u1",
            at=datetime.now(UTC),
        )
        with db.transaction() as session:
            service.count_exposures(session, exposures=[exposure, exposure])
        with db.transaction() as session:
            assert service.forget_units(session, ids=["acc1"]) == 1
    finally:
        db.dispose()


def _id_of(db: Database, key: str) -> str:
    with db.transaction() as session:
        return str(session.scalar(select(Experiment.id).where(Experiment.key == key)))
