"""Delivery's error types."""

from __future__ import annotations

from marquee.kit.errors import Forbidden, Problem


class InvalidToken(Forbidden):
    """The delivery token is missing, malformed, altered, expired or signed by an unknown key."""

    slug = "invalid-delivery-token"


class SessionRevoked(InvalidToken):
    """The token's playback session ended (stopped, replaced or silent) longer ago than the
    grace period: its tokens no longer work though they have not expired."""

    slug = "delivery-session-ended"

    def __init__(self) -> None:
        super().__init__("This playback session has ended; press play again.")


class InvalidPath(Problem):
    """The address is not in canonical form: an encoded ``/``, ``.``, ``\\`` or ``%`` (double
    encoding), a dot or empty segment, or a character no object name has. Refused rather than
    normalised, so one object has one address, one token check and one cache entry."""

    slug = "invalid-delivery-path"
    status = 400
