"""Which variant a unit gets: a pure function of the experiment's salt and the unit's id, so
every node answers the same after any restart with nothing written.

A unit's point in an experiment is the first 8 bytes of SHA-256(``salt:unit``) modulo
:data:`BUCKETS`; the variants take consecutive ranges of the points by weight. Whether a unit is
in the experiment at all is decided in a second, independent hash space: the layer's
(SHA-256 of ``layer:<name>:unit``), where each experiment of the layer owns a disjoint range
(``layer_offset`` to ``layer_offset + rollout`` percent), so no unit is in two experiments of
one layer; an experiment without a layer has a space of its own, and its ``rollout`` is the
share of units enrolled (a feature flag's rollout percentage).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from marquee.experiments.schemas import Assignment, Audience, Variant

BUCKETS = 10_000
PER_PERCENT = BUCKETS // 100


@dataclass(frozen=True)
class Running:
    """A running definition, as assignment needs it (cached per process)."""

    id: str
    key: str
    unit: str
    salt: str
    layer: str | None
    layer_offset: int
    rollout: int
    variants: tuple[Variant, ...]
    audience: Audience
    started_at: datetime


@dataclass(frozen=True)
class Member:
    """What the audience filters read of the member asking."""

    account_id: str
    profile_id: str
    country: str
    plan: str | None
    joined_at: datetime
    device: str | None


def point(space: str, unit_id: str) -> int:
    digest = hashlib.sha256(f"{space}:{unit_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def unit_of(experiment: Running, member: Member) -> str:
    return member.profile_id if experiment.unit == "profile" else member.account_id


def enrolled(experiment: Running, unit_id: str) -> bool:
    """Whether the unit falls in the experiment's range of its layer (or of its own space)."""
    space = f"layer:{experiment.layer}" if experiment.layer else f"rollout:{experiment.salt}"
    start = experiment.layer_offset * PER_PERCENT
    return start <= point(space, unit_id) < start + experiment.rollout * PER_PERCENT


def variant_of(experiment: Running, unit_id: str) -> Variant | None:
    """The unit's variant, or None when it is not enrolled."""
    if not enrolled(experiment, unit_id):
        return None
    at, edge = point(experiment.salt, unit_id), 0
    for variant in experiment.variants:
        edge += variant.weight * PER_PERCENT
        if at < edge:
            return variant
    return None


def admits(audience: Audience, member: Member, started_at: datetime) -> bool:
    if audience.countries and member.country not in audience.countries:
        return False
    if audience.plans and member.plan not in audience.plans:
        return False
    if audience.devices and member.device not in audience.devices:
        return False
    if audience.members == "new":
        return member.joined_at >= started_at
    if audience.members == "existing":
        return member.joined_at < started_at
    return True


def assignments(running: Iterable[Running], member: Member) -> list[Assignment]:
    found = []
    for experiment in running:
        if not admits(experiment.audience, member, experiment.started_at):
            continue
        variant = variant_of(experiment, unit_of(experiment, member))
        if variant is not None:
            found.append(
                Assignment(
                    experiment=experiment.key, variant=variant.key, parameters=variant.parameters
                )
            )
    return found


def overlaps(first: tuple[int, int], second: tuple[int, int]) -> bool:
    """Whether two ranges ``(offset, rollout)`` of percent share a point."""
    return first[0] < second[0] + second[1] and second[0] < first[0] + first[1]


def free_offset(taken: Iterable[tuple[int, int]], rollout: int) -> int | None:
    """The lowest offset where ``rollout`` percent fit between the ranges taken, if any."""
    ranges = list(taken)
    for offset in range(0, 101 - rollout):
        if not any(overlaps((offset, rollout), other) for other in ranges):
            return offset
    return None
