"""Delivery types other domains use (playback builds manifests from them)."""

from __future__ import annotations

from pydantic import BaseModel


class TokenClaims(BaseModel):
    """What a valid delivery token grants: the objects under ``prefix`` until ``expires``."""

    key_id: str
    expires: int
    session_id: str
    prefix: str
    #: The object key asked for, e.g. ``assets/{asset_id}/video/720p/seg-1.m4s``.
    object_key: str


class EdgeURL(BaseModel):
    """Where a player fetches from: ``url`` + a signed path (see ``service.sign_path``)."""

    name: str
    url: str
    region: str


class WarmReport(BaseModel):
    """What one cache-warming run pushed to one edge."""

    edge: str
    objects: int
    bytes: int
    skipped: int
    hit_ratio_before: float
    hit_ratio_after: float
    #: The assets pushed (wholly or in part), in push order: most popular first.
    assets: list[str] = []
