"""The licence service interface and its W3C ClearKey implementation.

Playback checks who asks and for which session (account, liveness, rate limit, logging) and
then hands the request body to a :class:`LicenseService` with the key ids that session may
use and those of its asset it may not (the quality tiers above its plan, :class:`KeyGrant`).
A commercial DRM (Widevine, PlayReady, FairPlay behind a CPIX key exchange) would be another
implementation of the same protocol: it would answer its own licence format.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from marquee.kit.errors import Problem
from marquee.media import service as media
from marquee.playback.errors import KeyAbovePlan, KeyIdRequired, KeyNotAllowed
from marquee.playback.schemas import ClearKeyRequest
from marquee.settings import Settings


class License(BaseModel):
    body: bytes
    media_type: str


class KeyGrant(BaseModel):
    """What one session may have of its asset's keys (32 hex digits): ``allowed``, the SD key
    and those of the tiers its plan plays; ``above_plan``, the others (refused with
    ``key-above-plan``, which names the plan's ``max_height``)."""

    allowed: list[str]
    above_plan: list[str] = []
    max_height: int = 0


class LicenseService(Protocol):
    key_system: str

    def issue(
        self,
        session: Session,
        settings: Settings,
        request: bytes | None,
        grant: KeyGrant,
        *,
        kid: str | None = None,
        expires_at: datetime | None = None,
    ) -> License:
        """Answer a player's licence request for keys the ``grant`` allows; ``request`` None:
        the ``GET`` of an HLS key URI, for ``kid`` (32 hex digits) when it names one;
        ``expires_at``: a persistent licence (a download's), valid until then. Raise a
        Problem for a request it cannot or may not answer."""
        ...


class JsonWebKey(BaseModel):
    kty: str = "oct"
    kid: str
    k: str


class ClearKeyLicense(BaseModel):
    keys: list[JsonWebKey]
    type: str = "temporary"


class PersistentClearKeyLicense(ClearKeyLicense):
    """A download's licence: the device keeps the keys until ``expires_at``."""

    type: str = "persistent-license"
    expires_at: datetime


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class ClearKeyLicenseService:
    """W3C Encrypted Media Extensions ClearKey: ``{"kids": [...]}`` → JSON Web Key set; and,
    for the ``GET`` of an HLS ``KEYFORMAT="identity"`` key URI (how Shaka plays ClearKey
    HLS), the raw 16-byte key (RFC 8216, 5.2) its ``kid`` names."""

    key_system = "org.w3.clearkey"

    def issue(
        self,
        session: Session,
        settings: Settings,
        request: bytes | None,
        grant: KeyGrant,
        *,
        kid: str | None = None,
        expires_at: datetime | None = None,
    ) -> License:
        if request is None:
            return self._raw_key(session, settings, grant, kid)
        wanted = self._kids(request)
        self._check(grant, wanted)
        keys = []
        for kid in wanted:
            key_id, key = self._key(session, settings, kid)
            keys.append(JsonWebKey(kid=b64url(key_id), k=b64url(key)))
        answer = (
            ClearKeyLicense(keys=keys)
            if expires_at is None
            else PersistentClearKeyLicense(keys=keys, expires_at=expires_at)
        )
        body = answer.model_dump_json().encode()
        return License(body=body, media_type="application/json")

    def _raw_key(
        self, session: Session, settings: Settings, grant: KeyGrant, kid: str | None
    ) -> License:
        """The key the identity URI names; one naming none (a playlist packaged before tiers)
        is for the asset's one key."""
        if kid is None:
            if len(grant.allowed) + len(grant.above_plan) != 1:
                raise KeyIdRequired
            kid = grant.allowed[0] if grant.allowed else grant.above_plan[0]
        kid = kid.lower()
        self._check(grant, [kid])
        _, key = self._key(session, settings, kid)
        return License(body=key, media_type="application/octet-stream")

    @staticmethod
    def _check(grant: KeyGrant, wanted: list[str]) -> None:
        """Refuse keys of the tiers above the plan (saying so), then keys of other assets."""
        if any(kid in grant.above_plan for kid in wanted):
            raise KeyAbovePlan(grant.max_height)
        if not wanted or any(kid not in grant.allowed for kid in wanted):
            raise KeyNotAllowed

    @staticmethod
    def _key(session: Session, settings: Settings, kid: str) -> tuple[bytes, bytes]:
        """``(key id, key)``."""
        found = media.content_key(session, settings=settings, kid=kid)
        if found is None:
            raise KeyNotAllowed
        return bytes.fromhex(found.kid_hex), bytes.fromhex(found.key_hex)

    @staticmethod
    def _kids(request: bytes) -> list[str]:
        """The requested key ids as 32 hex digits."""
        try:
            parsed = ClearKeyRequest.model_validate_json(request)
            kids = [b64url_decode(kid) for kid in parsed.kids]
        except (ValidationError, binascii.Error, ValueError):
            raise Problem(
                'A ClearKey licence request is {"kids": [base64url key ids], "type": "temporary"}.'
            ) from None
        if any(len(kid) != 16 for kid in kids):
            raise Problem("A key id is 16 bytes.")
        return [kid.hex() for kid in kids]
