"""Delivery's error types."""

from __future__ import annotations

from marquee.kit.errors import Forbidden


class InvalidToken(Forbidden):
    """The delivery token is missing, malformed, altered, expired or signed by an unknown key."""

    slug = "invalid-delivery-token"
