"""Sign-in sessions (one per device) in the cache backend.

A session is what a browser cookie and a refresh-token family both point at: signing out a
device deletes it, which ends the cookie, the refresh family and every access token issued for
it at once (access tokens are checked against their session on each request).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime

from marquee.identity.errors import TokenInvalid, TokenReused
from marquee.identity.tokens import RefreshToken, digest, random_token
from marquee.kit.cache import Cache
from marquee.kit.db import new_id, utcnow

SESSION_PREFIX = "identity:session:"
INDEX_PREFIX = "identity:sessions:"
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
    def __init__(self, cache: Cache, ttl_s: float) -> None:
        self.cache = cache
        self.ttl_s = ttl_s

    def create(
        self, account_id: str, *, user_agent: str, ip: str, country: str | None
    ) -> tuple[SessionRecord, str]:
        """A new session and the secret of its cookie."""
        record = SessionRecord(account_id, device_name(user_agent), ip, country)
        cookie_secret = random_token()
        record.cookie_hash = digest(cookie_secret)
        self.save(record)
        self._index(account_id, add=record.id)
        return record, cookie_secret

    def get(self, account_id: str, session_id: str) -> SessionRecord | None:
        raw = self.cache.get(self._key(account_id, session_id))
        return None if raw is None else SessionRecord(**json.loads(raw))

    def save(self, record: SessionRecord) -> None:
        self.cache.set(
            self._key(record.account_id, record.id), json.dumps(asdict(record)), ttl_s=self.ttl_s
        )

    def touch_due(self, record: SessionRecord) -> bool:
        """Whether the device's last sighting is old enough to note again (once a minute)."""
        seen = datetime.fromisoformat(record.last_seen_at)
        return (utcnow() - seen).total_seconds() >= TOUCH_EVERY_S

    def touch(self, record: SessionRecord, ip: str, country: str | None) -> None:
        """Note the device was seen now; this also slides the expiry."""
        record.last_seen_at = utcnow().isoformat()
        record.ip, record.ip_country = ip, country
        self.save(record)

    def rotate_refresh(self, record: SessionRecord, presented: RefreshToken) -> None:
        """Accept the family's current refresh token once and move the family on; anything
        else signed by us is a replay, which ends the session."""
        current = (
            presented.generation == record.refresh_generation
            and digest(presented.nonce) == record.refresh_hash
        )
        once = f"{SESSION_PREFIX}rotated:{record.id}:{presented.generation}"
        if not current or not self.cache.add(once, b"1", ttl_s=self.ttl_s):
            self.revoke(record.account_id, record.id)
            raise TokenReused("This refresh token was already used: the session is signed out.")

    def set_refresh(self, record: SessionRecord, token: RefreshToken) -> None:
        record.refresh_generation = token.generation
        record.refresh_hash = digest(token.nonce)
        self.save(record)

    def of_account(self, account_id: str) -> list[SessionRecord]:
        records = [self.get(account_id, sid) for sid in self._ids(account_id)]
        return [record for record in records if record is not None]

    def revoke(self, account_id: str, session_id: str) -> None:
        self.cache.delete(self._key(account_id, session_id))
        self._index(account_id, remove=session_id)

    def revoke_all(self, account_id: str, *, keep: str | None = None) -> None:
        if keep is None:
            self.cache.delete_prefix(f"{SESSION_PREFIX}{account_id}:")
            self.cache.delete(INDEX_PREFIX + account_id)
            return
        for sid in self._ids(account_id):
            if sid != keep:
                self.revoke(account_id, sid)

    def require(self, account_id: str, session_id: str) -> SessionRecord:
        record = self.get(account_id, session_id)
        if record is None:
            raise TokenInvalid("This session has ended: sign in again.")
        return record

    def _key(self, account_id: str, session_id: str) -> str:
        return f"{SESSION_PREFIX}{account_id}:{session_id}"

    def _ids(self, account_id: str) -> list[str]:
        raw = self.cache.get(INDEX_PREFIX + account_id)
        return [] if raw is None else list(json.loads(raw))

    def _index(self, account_id: str, *, add: str = "", remove: str = "") -> None:
        """The account's session ids (for the device list); dead ids are pruned as we go."""
        ids = [sid for sid in self._ids(account_id) if sid != remove]
        ids = [sid for sid in ids if self.cache.get(self._key(account_id, sid)) is not None]
        if add:
            ids.append(add)
        self.cache.set(INDEX_PREFIX + account_id, json.dumps(ids), ttl_s=self.ttl_s)
