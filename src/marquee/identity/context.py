"""What identity's services need from the platform, built once per platform (the API keeps it)
or per command."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from marquee.identity.limits import Limiter
from marquee.identity.passwords import Passwords
from marquee.identity.sessions import SessionStore
from marquee.identity.tokens import Keys
from marquee.kit.cache import Cache
from marquee.settings import Settings


@dataclass(frozen=True)
class ClientInfo:
    user_agent: str
    ip: str
    country: str | None = None


@dataclass(frozen=True)
class Identity:
    settings: Settings
    cache: Cache
    keys: Keys
    passwords: Passwords
    sessions: SessionStore
    limiter: Limiter

    @classmethod
    def build(cls, settings: Settings, cache: Cache, db: Callable[[], Session]) -> Identity:
        """Identity's services on the platform's cache and database (``db`` opens a session of
        it: sessions and lock-outs write their rows in short transactions of their own)."""
        return cls(
            settings=settings,
            cache=cache,
            keys=Keys(settings.secret()),
            passwords=Passwords(settings),
            sessions=SessionStore(cache, db, settings.session_ttl_s),
            limiter=Limiter(cache, db),
        )
