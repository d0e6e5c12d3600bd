"""Content keys, stored wrapped by the platform's key-encryption key (KEK).

Each asset gets one random content key (``media.encrypt.new_content_key``) per quality tier it
has (:func:`tier_of`: SD, HD, UHD), each created once and reused by every retry of its
packaging job. The database holds only the key wrapped with AES key
wrap (RFC 3394) under the KEK: ``MARQUEE_MASTER_KEY`` (64 hex digits), or, when unset, a key
derived from the platform secret with HKDF-SHA256. A stolen database alone reveals no key.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marquee.media.encrypt import ContentKey, new_content_key
from marquee.media.models import ContentKeyRow
from marquee.settings import Settings

HKDF_INFO = b"marquee media content-key wrapping v1"
#: Quality tiers, lowest first. The lowest one's key also encrypts the audio, so every session
#: gets it; an asset packaged before tiers has only this one (docs/media.md).
SD, HD, UHD = "sd", "hd", "uhd"
TIERS = (SD, HD, UHD)


def tier_of(height: int, settings: Settings) -> str:
    """A rendition's tier by its height: SD up to ``media_sd_max_height`` (576), HD up to
    ``media_hd_max_height`` (1080), UHD above."""
    if height <= settings.media_sd_max_height:
        return SD
    return HD if height <= settings.media_hd_max_height else UHD


class KeyStore(Protocol):
    """Where content keys live; the database (wrapped) by default, a KMS later."""

    def get_or_create(self, session: Session, asset_id: str, tier: str = SD) -> ContentKey:
        """The key of the asset's tier; created on first call. Commit before using it to
        encrypt."""

    def for_asset(self, session: Session, asset_id: str, tier: str = SD) -> ContentKey | None: ...

    def by_kid(self, session: Session, kid_hex: str) -> ContentKey | None: ...


def key_encryption_key(settings: Settings) -> bytes:
    """The 256-bit KEK: the configured master key, or HKDF(platform secret)."""
    if settings.master_key is not None:
        raw = settings.master_key.get_secret_value().strip()
        try:
            kek = bytes.fromhex(raw)
        except ValueError:
            raise ValueError("MARQUEE_MASTER_KEY: must be 64 hex digits") from None
        if len(kek) != 32:
            raise ValueError("MARQUEE_MASTER_KEY: must be 64 hex digits (32 bytes)")
        return kek
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        settings.secret()
    )


class DatabaseKeyStore:
    """Content keys in ``media_content_keys``, wrapped by ``kek``."""

    def __init__(self, kek: bytes) -> None:
        if len(kek) not in (16, 24, 32):
            raise ValueError("the key-encryption key must be 128, 192 or 256 bits")
        self._kek = kek
        self.kek_id = hashlib.sha256(b"kek-id:" + kek).hexdigest()[:16]

    def get_or_create(self, session: Session, asset_id: str, tier: str = SD) -> ContentKey:
        existing = self.for_asset(session, asset_id, tier)
        if existing is not None:
            return existing
        key = new_content_key()
        row = ContentKeyRow(
            kid=key.kid_hex,
            asset_id=asset_id,
            tier=tier,
            wrapped_key=aes_key_wrap(self._kek, bytes.fromhex(key.key_hex)),
            kek_id=self.kek_id,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            # Another attempt created it first: use that one.
            found = self.for_asset(session, asset_id, tier)
            assert found is not None
            return found
        return key

    def for_asset(self, session: Session, asset_id: str, tier: str = SD) -> ContentKey | None:
        row = session.scalars(
            select(ContentKeyRow).where(
                ContentKeyRow.asset_id == asset_id, ContentKeyRow.tier == tier
            )
        ).one_or_none()
        return None if row is None else self._unwrap(row)

    def by_kid(self, session: Session, kid_hex: str) -> ContentKey | None:
        row = session.get(ContentKeyRow, kid_hex.replace("-", "").lower())
        return None if row is None else self._unwrap(row)

    def _unwrap(self, row: ContentKeyRow) -> ContentKey:
        key = aes_key_unwrap(self._kek, row.wrapped_key)
        return ContentKey(kid_hex=row.kid, key_hex=key.hex())


def key_store(settings: Settings) -> KeyStore:
    """The platform's key store (the database, wrapped by the KEK from settings)."""
    return DatabaseKeyStore(key_encryption_key(settings))
