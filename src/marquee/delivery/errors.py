"""Delivery's error types."""

from __future__ import annotations

from marquee.kit.errors import Forbidden, Problem


class InvalidToken(Forbidden):
    """The delivery token is missing, malformed, altered, expired or signed by an unknown key."""

    slug = "invalid-delivery-token"


class InvalidPath(Problem):
    """The address is not in canonical form: an encoded ``/``, ``.``, ``\\`` or ``%`` (double
    encoding), a dot or empty segment, or a character no object name has. Refused rather than
    normalised, so one object has one address, one token check and one cache entry."""

    slug = "invalid-delivery-path"
    status = 400
