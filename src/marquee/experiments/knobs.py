"""The knobs a variant's ``parameters`` may turn, and the checks their values pass when the
experiment is defined (docs/experiments.md, *Knobs*).

A knob is a name in ``parameters``; the code owning it reads the member's value through
:func:`marquee.experiments.service.knobs_for` and records an exposure when it uses it. An
experiment takes part in a knob when any of its variants names it; a member in a variant that
does not name it (the control, usually) gets the knob's default and is exposed the same way,
so both arms are counted alike.

``settings`` overrides settings for the unit; only those of :data:`OVERRIDABLE_SETTINGS` may
be, since the rest are read once per process or change what other units see.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from marquee.settings import Settings

#: Which model recommend serves the profile's picks from: the current version's, or that
#: version's popularity model (the one a node falls back to).
RecommendModel = Literal["current", "popularity"]
#: The browse rows' kinds, in the order a ``row_order`` may name them.
ROW_KINDS = ("top-picks", "top10", "because", "genre", "trending", "new-releases")
RowKind = Literal["top-picks", "top10", "because", "genre", "trending", "new-releases"]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class AbrParameters(BaseModel):
    """The web player's ABR rule parameters an experiment may set (the rule's ``RuleConfig``)."""

    model_config = ConfigDict(extra="forbid")

    safety: float | None = Field(default=None, gt=0, le=1)
    bola_from_buffer_s: Positive | None = None
    buffer_target_s: Positive | None = None
    reserve_s: Positive | None = None
    horizon_segments: int | None = Field(default=None, ge=1, le=20)


#: Settings an experiment may override per unit: read per request for the unit's own answer
#: (not kept per node or shared between units), so a unit's value changes only what it is shown.
OVERRIDABLE_SETTINGS = frozenset({"discovery_row_size"})

#: Each knob and the values it takes.
KNOBS: dict[str, TypeAdapter[Any]] = {
    "recommend_model": TypeAdapter(RecommendModel),
    "row_order": TypeAdapter(list[RowKind]),
    "artwork": TypeAdapter(Annotated[str, Field(min_length=1, max_length=32)]),
    "abr": TypeAdapter(Literal["marquee", "shaka"]),
    "abr_parameters": TypeAdapter(AbrParameters),
    "settings": TypeAdapter(dict[str, Any]),
}
#: The knobs browse rows read (discovery's).
BROWSE_KNOBS = ("recommend_model", "row_order", "artwork", "settings")
#: The knobs clients read from their assignment: a client sees only its own variant, so every
#: variant names the rule (the control its default) and each arm reports its exposures.
CLIENT_KNOBS = ("abr",)


def client_knob_problem(parameters: list[dict[str, Any]]) -> str | None:
    """A client knob some variants name and others leave out, or None."""
    for name in CLIENT_KNOBS:
        naming = [name in p or "abr_parameters" in p for p in parameters]
        if any(naming) and not all(name in p for p in parameters):
            return f'every variant must name {name!r} (the control {name!r}: "marquee")'
    return None


def problem_with(parameters: dict[str, Any]) -> str | None:
    """What is wrong with a variant's values of the knobs, or None. Other names are left
    alone: parameters may carry anything clients read."""
    for name, adapter in KNOBS.items():
        if name not in parameters:
            continue
        try:
            adapter.validate_python(parameters[name], strict=name != "abr_parameters")
        except ValidationError as exc:
            return f"parameter {name!r}: {exc.errors()[0]['msg']}"
    if "settings" in parameters:
        return _settings_problem(parameters["settings"])
    return None


def _settings_problem(overrides: dict[str, Any]) -> str | None:
    if unknown := sorted(set(overrides) - OVERRIDABLE_SETTINGS):
        return (
            f"settings {', '.join(unknown)} may not be overridden; those that may: "
            f"{', '.join(sorted(OVERRIDABLE_SETTINGS))}"
        )
    for name, value in overrides.items():
        field = Settings.model_fields[name]
        try:
            adapter: TypeAdapter[Any] = TypeAdapter(
                Annotated[field.annotation, *field.metadata]  # type: ignore[arg-type]
            )
            adapter.validate_python(value)
        except ValidationError as exc:
            return f"setting {name!r}: {exc.errors()[0]['msg']}"
    return None


def overridden(settings: Settings, overrides: dict[str, Any]) -> Settings:
    """``settings`` with the unit's allowed overrides (checked at definition)."""
    allowed = {k: v for k, v in overrides.items() if k in OVERRIDABLE_SETTINGS}
    return settings.model_copy(update=allowed) if allowed else settings
