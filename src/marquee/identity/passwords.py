"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from marquee.identity.errors import WeakPassword
from marquee.settings import Settings

MAX_PASSWORD_LENGTH = 1024
MIN_DISTINCT_CHARACTERS = 4


@functools.cache
def common_passwords() -> frozenset[str]:
    text = resources.files("marquee.identity").joinpath("data/common_passwords.txt").read_text()
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_policy(password: str, *, email: str, min_length: int) -> None:
    """Raise :class:`WeakPassword` naming the first rule ``password`` breaks."""
    lowered = password.lower()
    if len(password) < min_length:
        raise WeakPassword(f"Use at least {min_length} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"Use at most {MAX_PASSWORD_LENGTH} characters.")
    if lowered in common_passwords() or len(set(lowered)) < MIN_DISTINCT_CHARACTERS:
        raise WeakPassword("This password is too common or too easy to guess.")
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        raise WeakPassword("The password must not contain your email address.")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    needs_rehash: bool = False


class Passwords:
    """argon2id with the parameters from settings; old hashes are upgraded on sign-in."""

    def __init__(self, settings: Settings) -> None:
        self.hasher = _hasher(
            settings.argon2_time_cost, settings.argon2_memory_cost_kib, settings.argon2_parallelism
        )

    def hash(self, secret: str) -> str:
        return self.hasher.hash(secret)

    def verify(self, hashed: str, secret: str) -> Verdict:
        try:
            self.hasher.verify(hashed, secret)
        except (VerificationError, InvalidHashError):
            return Verdict(ok=False)
        return Verdict(ok=True, needs_rehash=self.hasher.check_needs_rehash(hashed))

    def verify_nothing(self, secret: str) -> None:
        """Spend the time of a real verification, so an unknown email answers like a wrong
        password does."""
        self.verify(_dummy_hash(self.hasher), secret)


@functools.cache
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_urlsafe(16))
