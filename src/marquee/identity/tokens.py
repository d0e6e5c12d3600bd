"""Signed tokens. Every purpose has its own key, derived from the platform secret with HMAC.

Access tokens are JWTs (HS256, compact form) written here in a few lines rather than with a
library: Marquee issues and checks them itself, with one algorithm, so there is no algorithm
negotiation to get wrong and no extra dependency.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from marquee.identity.errors import TokenExpired, TokenInvalid
from marquee.kit.secret_text import is_digits, is_token_text, same_secret, utf8

JWT_HEADER = {"alg": "HS256", "typ": "JWT"}
REFRESH_PREFIX = "mrt"


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def random_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(text: str) -> str:
    """SHA-256 of a high-entropy secret: enough to store it (no slow hash needed)."""
    return hashlib.sha256(utf8(text)).hexdigest()


class Keys:
    """Per-purpose keys derived from the platform secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def key(self, purpose: str) -> bytes:
        return hmac.new(self._secret, f"marquee.identity.{purpose}".encode(), "sha256").digest()

    def mac(self, purpose: str, message: str) -> str:
        return b64encode(hmac.new(self.key(purpose), utf8(message), "sha256").digest())

    def check_mac(self, purpose: str, message: str, mac: str) -> bool:
        return same_secret(self.mac(purpose, message), mac)


@dataclass(frozen=True)
class AccessClaims:
    account_id: str
    session_id: str
    expires_at: float


def issue_access_token(keys: Keys, account_id: str, session_id: str, ttl_s: float) -> str:
    now = time.time()
    claims = {"sub": account_id, "sid": session_id, "iat": int(now), "exp": now + ttl_s}
    signing_input = ".".join(
        b64encode(json.dumps(part, separators=(",", ":")).encode()) for part in (JWT_HEADER, claims)
    )
    return f"{signing_input}.{keys.mac('access', signing_input)}"


def read_access_token(keys: Keys, token: str) -> AccessClaims:
    """The claims of a token this platform signed; raise when forged, malformed or expired."""
    signing_input, _, signature = token.rpartition(".")
    if (
        not is_token_text(token)
        or not signing_input
        or not keys.check_mac("access", signing_input, signature)
    ):
        raise TokenInvalid("The access token is not valid.")
    header, payload = (_json(part) for part in signing_input.split(".", 1))
    if header != JWT_HEADER:
        raise TokenInvalid("The access token is not valid.")
    if float(payload["exp"]) <= time.time():
        raise TokenExpired("The access token has expired: refresh it.")
    return AccessClaims(str(payload["sub"]), str(payload["sid"]), float(payload["exp"]))


def _json(part: str) -> dict[str, Any]:
    try:
        value = json.loads(b64decode(part))
    except ValueError:
        raise TokenInvalid("The access token is not valid.") from None
    if not isinstance(value, dict):
        raise TokenInvalid("The access token is not valid.")
    return value


@dataclass(frozen=True)
class RefreshToken:
    """``mrt.<account>.<session>.<generation>.<expiry>.<nonce>.<mac>``: the MAC proves a token
    was issued here, so a valid but superseded one is reuse (revoke the family), not noise."""

    account_id: str
    session_id: str
    generation: int
    expires_at: int
    nonce: str

    @property
    def body(self) -> str:
        return ".".join(
            (
                REFRESH_PREFIX,
                self.account_id,
                self.session_id,
                str(self.generation),
                str(self.expires_at),
                self.nonce,
            )
        )

    def encode(self, keys: Keys) -> str:
        return f"{self.body}.{keys.mac('refresh', self.body)}"


def issue_refresh_token(
    account_id: str, session_id: str, generation: int, ttl_s: float
) -> RefreshToken:
    expires_at = int(time.time() + ttl_s)
    return RefreshToken(account_id, session_id, generation, expires_at, random_token(16))


def read_refresh_token(keys: Keys, token: str) -> RefreshToken:
    parts = token.split(".")
    if not is_token_text(token) or len(parts) != 7 or parts[0] != REFRESH_PREFIX:
        raise TokenInvalid("The refresh token is not valid.")
    if not (is_digits(parts[3]) and is_digits(parts[4])):
        raise TokenInvalid("The refresh token is not valid.")
    parsed = RefreshToken(parts[1], parts[2], int(parts[3]), int(parts[4]), parts[5])
    if not keys.check_mac("refresh", parsed.body, parts[6]):
        raise TokenInvalid("The refresh token is not valid.")
    if parsed.expires_at <= time.time():
        raise TokenExpired("The refresh token has expired: sign in again.")
    return parsed


def email_token(keys: Keys, token_id: str) -> str:
    """The mailed secret for an :class:`~marquee.identity.models.EmailToken` row."""
    return f"{token_id}.{keys.mac('email', token_id)}"


def read_email_token(keys: Keys, token: str) -> str:
    """The row id a mailed token names, once its MAC checks out."""
    token_id, _, mac = token.partition(".")
    if not is_token_text(token) or not token_id or not keys.check_mac("email", token_id, mac):
        raise TokenInvalid("The link is not valid.")
    return token_id
