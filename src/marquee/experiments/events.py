"""Events experiments publishes: a unit's exposure to a variant, which its subscriber writes to
the analytics lake and to the experiment's exposure counts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from marquee.kit.events import declare


class ExposureRecorded(BaseModel):
    """A unit actually used a variant (not merely was assigned it)."""

    experiment_id: str
    experiment: str
    variant: str
    unit_id: str
    account_id: str
    profile_id: str | None
    at: datetime


EXPOSURE_RECORDED = declare("experiments.exposure_recorded", ExposureRecorded)
