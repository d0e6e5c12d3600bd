"""Sign-in sessions (one per device): rows in the database, copies in the cache.

A session is what a browser cookie and a refresh-token family both point at: signing out a
device deletes it, which ends the cookie, the refresh family and every access token issued for
it at once (access tokens are checked against their session on each request).

Every request reads the cached copy; the row is the truth a missing copy is rebuilt from, so a
flushed or restarted cache signs nobody out. Each change writes the row (in a short transaction
of its own) and then the copy; sign-ins and refreshes are rare beside the reads. Which refresh
token is current is decided by the row alone (its ``refresh_generation`` and ``refresh_hash``
columns, moved on by one conditional UPDATE), never by the copy.

A copy is checked against the row after it is written (:meth:`SessionStore._cache_copy`): a
request that read the row just before a sign-out deleted it would otherwise write its copy
after the sign-out dropped the cached one, and the ended session would live on in the cache
until the copy expired.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Select, delete, select, update
from sqlalchemy.orm import Session

from marquee.identity.errors import TokenInvalid, TokenReused
from marquee.identity.models import SignInSession
from marquee.identity.tokens import RefreshToken, digest, random_token
from marquee.kit.cache import Cache, keep_near
from marquee.kit.db import after_commit, new_id, utcnow

log = logging.getLogger(__name__)

SESSION_PREFIX = "identity:session:"
keep_near(SESSION_PREFIX)  # every signed-in request reads its session's copy
TOUCH_EVERY_S = 60
BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"))
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_name(user_agent: str) -> str:
    """A name a person recognises ("Firefox on Linux"), from the User-Agent header."""
    browser = next((name for marker, name in BROWSERS if marker in user_agent), None)
    if browser is None and "Safari/" in user_agent:
        browser = "Safari"
    system = next((name for marker, name in SYSTEMS if marker in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    product = re.match(r"[\w./\- ]{1,40}", user_agent)
    return browser or system or (product.group(0).strip() if product else "") or "Unknown device"


def next_sighting_noted_at(record: SessionRecord) -> datetime:
    """When a request of the session next notes the device seen: a minute after the last time,
    plus up to another minute of the session's own. Sessions signed in at the same moment
    (clients coming back after an outage, a benchmark's thousand viewers) would otherwise all
    write in the same second a minute later, and the answers waited on those writes."""
    spread_s = zlib.crc32(record.id.encode()) / 2**32 * TOUCH_EVERY_S
    seen = datetime.fromisoformat(record.last_seen_at)
    return seen + timedelta(seconds=TOUCH_EVERY_S + spread_s)


@dataclass
class SessionRecord:
    account_id: str
    device_name: str
    ip: str
    ip_country: str | None
    id: str = field(default_factory=new_id)
    created_at: str = field(default_factory=lambda: utcnow().isoformat())
    last_seen_at: str = field(default_factory=lambda: utcnow().isoformat())
    cookie_hash: str = ""
    refresh_generation: int = 0
    refresh_hash: str = ""
    profile_id: str | None = None


class SessionStore:
    def __init__(self, cache: Cache, sessions: Callable[[], Session], ttl_s: float) -> None:
        self.cache = cache
        self.sessions = sessions
        self.ttl_s = ttl_s
        self._seen_lock = threading.Lock()
        self._noting: set[str] = set()
        self._noter: ThreadPoolExecutor | None = None

    def create(
        self,
        db: Session,
        account_id: str,
        *,
        user_agent: str,
        ip: str,
        country: str | None,
        refresh: RefreshToken,
    ) -> tuple[SessionRecord, str]:
        """The session of ``refresh`` (its first refresh token) and the secret of its cookie.
        Written with ``db``'s transaction (a sign-up's account is not committed yet), cached
        once that commits; the account's expired sessions go."""
        record = SessionRecord(account_id, device_name(user_agent), ip, country, refresh.session_id)
        cookie_secret = random_token()
        record.cookie_hash = digest(cookie_secret)
        self._note_refresh(record, refresh)
        raw = json.dumps(asdict(record))
        db.execute(
            delete(SignInSession).where(
                SignInSession.account_id == account_id, SignInSession.expires_at <= utcnow()
            )
        )
        db.add(
            SignInSession(
                id=record.id,
                account_id=account_id,
                record=raw,
                expires_at=self._expiry(),
                refresh_generation=record.refresh_generation,
                refresh_hash=record.refresh_hash,
            )
        )
        after_commit(db, lambda: self._cache_copy(account_id, record.id, raw, self.ttl_s))
        return record, cookie_secret

    def get(self, account_id: str, session_id: str) -> SessionRecord | None:
        raw = self.cache.get(self._key(account_id, session_id))
        if raw is not None:
            return SessionRecord(**json.loads(raw))
        row = self._row(account_id, session_id)
        if row is None:
            return None
        left_s = (row.expires_at - utcnow()).total_seconds()
        self._cache_copy(account_id, session_id, row.record, max(left_s, 1.0))
        return SessionRecord(**json.loads(row.record))

    def save(self, record: SessionRecord) -> None:
        """Write the session's changes and slide its expiry; a session revoked meanwhile (by
        another device or node) stays revoked."""
        raw = json.dumps(asdict(record))
        with self.sessions() as session, session.begin():
            result = session.execute(
                update(SignInSession)
                .where(SignInSession.id == record.id)
                .values(record=raw, expires_at=self._expiry())
            )
        if cast("CursorResult[Any]", result).rowcount:
            self._cache_copy(record.account_id, record.id, raw, self.ttl_s)

    def touch_due(self, record: SessionRecord) -> bool:
        """Whether the device's last sighting is old enough to note again."""
        return utcnow() >= next_sighting_noted_at(record)

    def touch(self, record: SessionRecord, ip: str, country: str | None) -> None:
        """Note the device was seen now; this also slides the expiry."""
        record.last_seen_at = utcnow().isoformat()
        record.ip, record.ip_country = ip, country
        self.save(record)

    def note_seen(self, record: SessionRecord, ip: str, country: str | None) -> None:
        """:meth:`touch` a copy of ``record`` in a background thread of this store's, one
        session at a time, and return at once; a session already being noted is skipped.

        Requests once waited for this write (UPDATE, cache copy, read back) once a minute per
        session, and every request of the session meanwhile started one more: under load
        those were browse's slowest answers, the writers queueing for SQLite's lock or filling
        the thread pool and connection pool on PostgreSQL. A failed note is logged; the next
        request after it tries again."""
        with self._seen_lock:
            if record.id in self._noting:
                return
            self._noting.add(record.id)
            if self._noter is None:
                self._noter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="session-seen")
            noter = self._noter
        noter.submit(self._note, replace(record), ip, country)

    def _note(self, record: SessionRecord, ip: str, country: str | None) -> None:
        try:
            self.touch(record, ip, country)
        except Exception:
            log.exception("noting that session %s was seen failed", record.id)
        finally:
            with self._seen_lock:
                self._noting.discard(record.id)

    def rotate_refresh(
        self, record: SessionRecord, presented: RefreshToken, successor: RefreshToken
    ) -> None:
        """Spend ``presented`` and make ``successor`` the family's current refresh token.

        One conditional UPDATE of the row (``WHERE id = ? AND refresh_generation = ? AND
        refresh_hash = ?``) does both, so of two uses of one token, even at the same moment
        and with an emptied cache, exactly one matches. Any other token signed by us is a
        replay, which ends the session (the whole family, the winner's new tokens too). The
        copy is dropped rather than rewritten: a copy written after a concurrent sign-out
        would bring the ended session back."""
        spent = digest(presented.nonce)
        self._note_refresh(record, successor)
        with self.sessions() as session, session.begin():
            result = session.execute(
                update(SignInSession)
                .where(
                    SignInSession.id == record.id,
                    SignInSession.account_id == record.account_id,
                    SignInSession.expires_at > utcnow(),
                    SignInSession.refresh_generation == presented.generation,
                    SignInSession.refresh_hash == spent,
                )
                .values(
                    record=json.dumps(asdict(record)),
                    expires_at=self._expiry(),
                    refresh_generation=record.refresh_generation,
                    refresh_hash=record.refresh_hash,
                )
            )
        if not cast("CursorResult[Any]", result).rowcount:
            self.revoke(record.account_id, record.id)
            raise TokenReused("This refresh token was already used: the session is signed out.")
        self.cache.delete(self._key(record.account_id, record.id))

    @staticmethod
    def _note_refresh(record: SessionRecord, token: RefreshToken) -> None:
        record.refresh_generation = token.generation
        record.refresh_hash = digest(token.nonce)

    def of_account(self, account_id: str) -> list[SessionRecord]:
        with self.sessions() as session:
            rows = session.scalars(self._live().where(SignInSession.account_id == account_id))
            return [SessionRecord(**json.loads(row.record)) for row in rows]

    def revoke(self, account_id: str, session_id: str) -> None:
        with self.sessions() as session, session.begin():
            session.execute(
                delete(SignInSession).where(
                    SignInSession.id == session_id, SignInSession.account_id == account_id
                )
            )
        self.cache.delete(self._key(account_id, session_id))

    def revoke_all(self, account_id: str, *, keep: str | None = None) -> None:
        with self.sessions() as session, session.begin():
            ids = session.scalars(
                select(SignInSession.id).where(
                    SignInSession.account_id == account_id, SignInSession.id != (keep or "")
                )
            ).all()
            session.execute(delete(SignInSession).where(SignInSession.id.in_(ids)))
        if ids:
            self.cache.delete(*(self._key(account_id, sid) for sid in ids))

    def end_all(self) -> int:
        """End every session of every account, rows then copies; how many rows there were."""
        with self.sessions() as session, session.begin():
            result = session.execute(delete(SignInSession))
        self.cache.delete_prefix(SESSION_PREFIX)
        return cast("CursorResult[Any]", result).rowcount

    def require(self, account_id: str, session_id: str) -> SessionRecord:
        record = self.get(account_id, session_id)
        if record is None:
            raise TokenInvalid("This session has ended: sign in again.")
        return record

    def _cache_copy(self, account_id: str, session_id: str, raw: str, ttl_s: float) -> None:
        """Cache ``raw`` as the session's copy, then read the row again and drop the copy
        unless the row still holds ``raw``.

        A sign-out deletes the row, then the copy. If this write comes before that deletion of
        the copy, the sign-out removes it; if it comes after, the row was already gone, so the
        read after it sees that and drops the copy. Either way no ended session stays cached,
        whatever the timing; a copy older than the row (two saves crossing) is dropped too and
        rebuilt by the next read. One more database read per cache miss, sign-in and save."""
        key = self._key(account_id, session_id)
        self.cache.set(key, raw, ttl_s=ttl_s)
        row = self._row(account_id, session_id)
        if row is None or row.record != raw:
            self.cache.delete(key)

    def _row(self, account_id: str, session_id: str) -> SignInSession | None:
        """The live row, read in a transaction of its own (so it sees every commit before)."""
        with self.sessions() as session:
            return session.scalars(
                self._live().where(
                    SignInSession.id == session_id, SignInSession.account_id == account_id
                )
            ).one_or_none()

    def _key(self, account_id: str, session_id: str) -> str:
        return f"{SESSION_PREFIX}{account_id}:{session_id}"

    def _expiry(self) -> datetime:
        return utcnow() + timedelta(seconds=self.ttl_s)

    @staticmethod
    def _live() -> Select[SignInSession]:
        return select(SignInSession).where(SignInSession.expires_at > utcnow())
