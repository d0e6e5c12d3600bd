"""TOTP second factor (pyotp) and one-time recovery codes.

The TOTP secret is stored encrypted (AES-GCM under a key derived from the platform secret), so
a copy of the database alone cannot mint codes. Recovery codes are random, so a SHA-256 of each
is enough to store them.
"""

from __future__ import annotations

import os
import secrets
import time

import pyotp
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from marquee.identity.tokens import Keys, b64decode, b64encode, digest
from marquee.kit.secret_text import is_digits, same_secret

ISSUER = "Marquee"
RECOVERY_CODES = 10
NONCE_BYTES = 12
TOTP_STEP_S = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def seal(keys: Keys, secret: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    return b64encode(nonce + AESGCM(keys.key("totp")).encrypt(nonce, secret.encode(), None))


def unseal(keys: Keys, sealed: str) -> str:
    raw = b64decode(sealed)
    return AESGCM(keys.key("totp")).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()


def matching_step(secret: str, code: str) -> int | None:
    """The time step ``code`` belongs to (this one or a neighbour, for clock drift), or None."""
    if not is_digits(code):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time()
    for drift in (0, -1, 1):
        moment = now + drift * TOTP_STEP_S
        if same_secret(totp.at(moment), code):
            return totp.timecode(moment)
    return None


def new_recovery_codes() -> list[str]:
    return [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]


def recovery_digest(code: str) -> str:
    return digest(code.strip().lower())
