"""Experiments' API types. The definition's shape (``key``, ``unit``, ``variants`` of ``key``,
``weight`` and ``parameters``, ``layer``, ``audience``, ``metrics``) and the assignments'
(``experiment``, ``variant``, ``parameters``) are public contracts (issue 22)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Key = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
Unit = Literal["profile", "account"]
State = Literal["draft", "running", "stopped"]
#: The metrics results can read from the lake (analytics' per-member figures).
MetricName = str
PLANNED_DAYS = (
    "planned duration in days: results are read once a day, and the sequential test spends "
    "its alpha over these looks (past them it falls back to the always-valid mSPRT)"
)


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Key
    weight: int = Field(ge=0, le=100, description="percent of the experiment's units")
    parameters: dict[str, Any] = Field(default_factory=dict)

    @field_validator("parameters")
    @classmethod
    def _plain_json(cls, value: dict[str, Any]) -> dict[str, Any]:
        """Parameters are stored as JSON, which has no NaN or infinity (a server refuses them)."""
        try:
            json.dumps(value, allow_nan=False)
        except ValueError:
            raise ValueError("parameters may not hold NaN or Infinity") from None
        return value


class Audience(BaseModel):
    """Who may be enrolled; an empty list lets everyone through."""

    model_config = ConfigDict(extra="forbid")

    countries: list[str] = Field(default_factory=list, max_length=300)
    plans: list[str] = Field(default_factory=list, max_length=50)
    members: Literal["new", "existing"] | None = Field(
        default=None, description="accounts created after the start, or before it"
    )
    devices: list[str] = Field(default_factory=list, max_length=20)


class Metrics(BaseModel):
    model_config = ConfigDict(extra="forbid")

    primary: MetricName | None = None
    secondary: list[MetricName] = Field(default_factory=list, max_length=10)
    guardrails: list[Guardrail] = Field(default_factory=list, max_length=10)


class Guardrail(BaseModel):
    """A metric that must not move the wrong way: the experiment stops when the treatment's
    difference is significantly worse than ``-tolerance`` (in the metric's units; negative
    is worse when ``higher_is_better``)."""

    model_config = ConfigDict(extra="forbid")

    metric: MetricName
    higher_is_better: bool = True
    tolerance: float = Field(default=0.0, ge=0, allow_inf_nan=False)


Metrics.model_rebuild()


class ExperimentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Key
    hypothesis: str = Field(default="", max_length=2000)
    unit: Unit
    variants: list[Variant] = Field(min_length=1, max_length=20)
    layer: str | None = Field(default=None, min_length=1, max_length=64)
    audience: Audience = Field(default_factory=Audience)
    metrics: Metrics = Field(default_factory=Metrics)
    rollout: int = Field(
        default=100, ge=1, le=100, description="percent of the layer's units (a flag's rollout)"
    )
    layer_offset: int | None = Field(
        default=None, ge=0, le=99, description="where its share of the layer starts, in percent"
    )
    days: int = Field(default=14, ge=1, le=90, description=PLANNED_DAYS)


class ExperimentChange(BaseModel):
    """What may change after creation: variants (weights and parameters) before the start."""

    model_config = ConfigDict(extra="forbid")

    variants: list[Variant] = Field(min_length=1, max_length=20)


class Experiment(BaseModel):
    key: str
    hypothesis: str
    unit: Unit
    variants: list[Variant]
    layer: str | None
    layer_offset: int
    rollout: int
    days: int = Field(description=PLANNED_DAYS)
    audience: Audience
    metrics: Metrics
    state: State
    stop_reason: str | None
    created_at: datetime
    started_at: datetime | None
    stopped_at: datetime | None


class Assignment(BaseModel):
    experiment: str
    variant: str
    parameters: dict[str, Any]


class Assignments(BaseModel):
    assignments: list[Assignment]


class ExposureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile_id: str = Field(min_length=1, max_length=64)


class Exposed(BaseModel):
    experiment: str
    variant: str


class Interval(BaseModel):
    estimate: float
    low: float
    high: float
    p_value: float


class MetricResult(BaseModel):
    """One metric for one variant beside the control (the first variant)."""

    metric: str
    role: Literal["primary", "secondary", "guardrail"]
    control_mean: float | None
    mean: float | None
    units: int
    difference: Interval | None = None
    cuped: Interval | None = None
    cuped_variance_reduction: float | None = None
    sequential_p_value: float | None = None
    sequential: Sequential | None = None


class Sequential(BaseModel):
    """The sequential test at this look: ``group-sequential`` within the planned days (the
    boundary the CUPED z must reach and the repeated interval), ``msprt`` past them."""

    method: Literal["group-sequential", "msprt"]
    look: int
    planned_looks: int
    boundary: float | None
    low: float
    high: float


MetricResult.model_rebuild()


class VariantResult(BaseModel):
    variant: str
    units: int
    exposures: int
    metrics: list[MetricResult]


class Results(BaseModel):
    experiment: str
    state: State
    first_day: str
    last_day: str
    variants: list[VariantResult]
    sample_ratio_p_value: float
    sample_ratio_mismatch: bool
    guardrail_breaches: list[str]
    stop_reason: str | None
