"""Experiments' tables: the definitions (variants, audience, layer and metrics as JSON, the salt
their assignment hashes with) and the units exposed to each (one row per unit, written by the
exposure subscriber in batches, never per assignment)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marquee.kit.db import Base, UTCDateTime, id_column_type, new_id, utcnow


class Experiment(Base):
    __tablename__ = "experiments_experiments"
    __table_args__ = (Index("ix_experiments_experiments_layer", "layer"),)

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    hypothesis: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(16))
    salt: Mapped[str] = mapped_column(String(32), default=new_id)
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    layer: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The share of the layer's hash space (or of all units, without a layer) it takes, in
    #: percent from ``layer_offset``: the rollout of a feature flag.
    layer_offset: Mapped[int] = mapped_column(Integer, default=0)
    rollout: Mapped[int] = mapped_column(Integer, default=100)
    #: The planned duration in days: one look a day, the alpha spent over them.
    days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    state: Mapped[str] = mapped_column(String(16), default="draft")
    stop_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Exposure(Base):
    """A unit that used a variant: when first, and how many exposures were reported."""

    __tablename__ = "experiments_exposures"

    experiment_id: Mapped[str] = mapped_column(
        ForeignKey("experiments_experiments.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    variant: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(String(32), index=True)
    exposures: Mapped[int] = mapped_column(Integer, default=1)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())
