"""Delivery tokens: signed path prefixes that an edge checks on its own, without the API.

A token sits *in the path*, before the object it grants::

    /t/{kid}/{expires}/{session}/{signature}/assets/{asset_id}/video/720p/seg-1.m4s

so the relative segment URLs inside a DASH or HLS manifest inherit it. A token grants the
objects of one folder, the prefix (``/assets/{asset_id}/video/720p/``), and nothing in the
folders above or below it: the prefix of a path is everything up to its last ``/``, so a
session given its plan's rendition folders cannot reach the asset's own manifests or another
rendition (docs/delivery.md). The signature is
``base64url(md5("{expires} {prefix} {session} {kid} {secret}"))`` without padding: exactly what
stock nginx's ``secure_link_md5`` computes, so the nginx edge checks the same token with no
extra module (why MD5 is acceptable here: docs/delivery.md). The patterns below are shared
with the nginx configuration generator, so both edges accept the same paths.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from marquee.delivery.errors import InvalidPath, InvalidToken
from marquee.delivery.schemas import TokenClaims
from marquee.kit.storage import check_key
from marquee.settings import Settings

NAME = "[A-Za-z0-9_-]"
#: An asset's folder and up to 4 folders in it; greedy, so it takes the object's whole folder.
PREFIX_PATTERN = f"/assets/{NAME}{{1,64}}/(?:{NAME}{{1,32}}/){{0,4}}"
TOKEN_PATTERN = (
    f"^/t/(?P<kid>{NAME}{{1,16}})/(?P<expires>[0-9]{{1,12}})/(?P<session>{NAME}{{1,64}})"
    f"/(?P<sig>{NAME}{{22}})(?P<prefix>{PREFIX_PATTERN})(?P<rest>[^/]+)$"
)
_TOKEN_PATH = re.compile(TOKEN_PATTERN)
_PREFIX = re.compile(f"^{PREFIX_PATTERN}$")
_SESSION = re.compile(f"^{NAME}{{1,64}}$")
_KEY_ENTRY = re.compile(f"^({NAME}{{1,16}})=({NAME}{{32,}})$")
#: What a canonical delivery path is made of once decoded: RFC 3986's unreserved characters
#: and ``/`` (object names are ``init-v0.m4s``, ``seg-v0-00001.m4s``, ``manifest.mpd``...).
SAFE_PATH_PATTERN = "^[A-Za-z0-9._~/-]*$"
#: Escapes refused in a raw path (the nginx edge checks ``$request_uri`` with the same
#: pattern): double encoding (``%25``) and encoded ``/``, ``.`` and ``\``, whose decoded form
#: would give the same object a second address.
REFUSED_ESCAPES_PATTERN = "%(25|2[eEfF]|5[cC])"
#: Dot segments and empty segments (``//``), refused rather than collapsed.
DOT_SEGMENTS_PATTERN = "(//|/[.][.]?(/|[?]|$))"
_SAFE_PATH = re.compile(SAFE_PATH_PATTERN)
_REFUSED_ESCAPES = re.compile(REFUSED_ESCAPES_PATTERN)
_DOT_SEGMENTS = re.compile(DOT_SEGMENTS_PATTERN)
_ESCAPE = re.compile("%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class KeyRing:
    """Signing secrets by key id; ``current`` signs, every listed id verifies."""

    secrets: dict[str, str]
    current: str

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        """``MARQUEE_DELIVERY_KEYS`` when set, else one key derived from the platform secret."""
        current = settings.delivery_key_id
        if settings.delivery_keys is None:
            derived = hmac.new(settings.secret(), f"marquee.delivery:{current}".encode(), "sha256")
            return cls({current: derived.hexdigest()}, current)
        secrets = parse_keys(settings.delivery_keys.get_secret_value())
        if current not in secrets:
            raise ValueError(f"MARQUEE_DELIVERY_KEY_ID: {current!r} is not a delivery key")
        return cls(secrets, current)


def parse_keys(text: str) -> dict[str, str]:
    """``kid=secret,kid=secret`` → {kid: secret}; secrets are 32+ URL-safe characters."""
    secrets: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        found = _KEY_ENTRY.match(entry)
        if found is None:
            raise ValueError(
                "MARQUEE_DELIVERY_KEYS: each entry is kid=secret, the kid up to 16 and the"
                " secret at least 32 characters of A-Z a-z 0-9 _ -"
            )
        secrets[found[1]] = found[2]
    if not secrets:
        raise ValueError("MARQUEE_DELIVERY_KEYS: no key is listed")
    return secrets


def signature(secret: str, kid: str, expires: int, session: str, prefix: str) -> str:
    """What nginx's ``secure_link_md5 "$expires $prefix $session $kid $secret"`` expects."""
    material = f"{expires} {prefix} {session} {kid} {secret}".encode()
    digest = hashlib.md5(material, usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(keys: KeyRing, prefix: str, session_id: str, expires: int) -> str:
    """The token path granting the objects of the folder ``prefix`` (``/assets/{id}/`` or
    ``/assets/{id}/video/720p/``) until ``expires`` (Unix time).

    Append an object's name to it: ``sign(...) + "seg-1.m4s"``.
    """
    if not _PREFIX.match(prefix):
        raise ValueError(
            f"a delivery prefix looks like /assets/{{asset_id}}/[folder/], not {prefix!r}"
        )
    if not _SESSION.match(session_id):
        raise ValueError(f"a session id is 1-64 characters of A-Z a-z 0-9 _ -, not {session_id!r}")
    kid = keys.current
    sig = signature(keys.secrets[kid], kid, expires, session_id, prefix)
    return f"/t/{kid}/{expires}/{session_id}/{sig}{prefix}"


def canonical_path(raw: str) -> str:
    """The one address of ``raw`` (a path as received, without its query): percent-decoded
    once; :class:`InvalidPath` (400) for what decoding or normalising would change further
    (double encoding, encoded ``/``, ``.`` or ``\\``, dot or empty segments, a malformed
    escape) and for characters no object name has. A canonical path is its own canonical form,
    so both edges, the origin and the cache key see the same string."""
    decoded = raw
    if "%" in raw:
        if _REFUSED_ESCAPES.search(raw) or _ESCAPE.search(raw):
            raise InvalidPath("The address is encoded more than once or encodes / . or \\.")
        decoded = unquote_to_bytes(raw).decode("latin-1")
    if not _SAFE_PATH.match(decoded) or _DOT_SEGMENTS.search(decoded):
        raise InvalidPath("The address is not in canonical form.")
    return decoded


def verify(keys: KeyRing, path: str, *, now: float | None = None) -> TokenClaims:
    """The claims of a token path (as received: see :func:`canonical_path`, whose
    :class:`InvalidPath` it raises first), or :class:`InvalidToken`."""
    found = _TOKEN_PATH.match(canonical_path(path))
    if found is None:
        raise InvalidToken("This address carries no valid delivery token.")
    kid, prefix, session = found["kid"], found["prefix"], found["session"]
    expires = int(found["expires"])
    secret = keys.secrets.get(kid)
    if secret is None:
        raise InvalidToken("The delivery token was signed with a key that is no longer valid.")
    if not hmac.compare_digest(found["sig"], signature(secret, kid, expires, session, prefix)):
        raise InvalidToken("The delivery token does not match the address.")
    if expires < (time.time() if now is None else now):
        raise InvalidToken("The delivery token has expired; start playback again.")
    key = f"{prefix[1:]}{found['rest']}"
    try:
        check_key(key)
    except ValueError:
        raise InvalidToken("The address names no valid object.") from None
    return TokenClaims(
        key_id=kid, expires=expires, session_id=session, prefix=prefix, object_key=key
    )
