"""Experiments' rows as the API shows them."""

from __future__ import annotations

from marquee.experiments.models import Experiment
from marquee.experiments.schemas import Experiment as ExperimentOut


def experiment(row: Experiment) -> ExperimentOut:
    return ExperimentOut.model_validate(
        {
            "key": row.key,
            "hypothesis": row.hypothesis,
            "unit": row.unit,
            "variants": row.variants,
            "layer": row.layer,
            "layer_offset": row.layer_offset,
            "rollout": row.rollout,
            "days": row.days,
            "audience": row.audience,
            "metrics": row.metrics,
            "state": row.state,
            "stop_reason": row.stop_reason,
            "created_at": row.created_at,
            "started_at": row.started_at,
            "stopped_at": row.stopped_at,
        }
    )
