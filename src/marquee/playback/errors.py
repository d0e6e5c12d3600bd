"""Playback's problems; each slug is part of the API contract (``/problems/<slug>``)."""

from __future__ import annotations

from typing import Any

from marquee.kit.errors import Conflict, Forbidden, NotFound, Problem, TooManyRequests


class SubscriptionRequired(Forbidden):
    slug = "subscription-required"

    def __init__(self) -> None:
        super().__init__("Your account has no active subscription. Choose a plan to watch.")


class NotAvailableInTerritory(Forbidden):
    slug = "not-available-in-territory"

    def __init__(self) -> None:
        super().__init__("This title is not available to watch in your country right now.")


class MaturityRestricted(Forbidden):
    slug = "maturity-restricted"

    def __init__(self) -> None:
        super().__init__("This title is rated above what this profile may watch.")


class PinRequired(Forbidden):
    slug = "pin-required"

    def __init__(self) -> None:
        super().__init__("This profile is locked: enter its PIN to watch.")


class TooManyStreams(Conflict):
    slug = "too-many-streams"

    def __init__(self, max_streams: int, devices: list[dict[str, Any]]) -> None:
        names = ", ".join(d["device"] for d in devices)
        super().__init__(
            f"Your plan allows {max_streams} stream(s) at once and they are in use ({names}). "
            "Stop watching on one of them, or change plan.",
            max_streams=max_streams,
            devices=devices,
        )


class SessionNotFound(NotFound):
    slug = "playback-session-not-found"

    def __init__(self) -> None:
        super().__init__("There is no such playback session.")


class SessionEnded(Conflict):
    slug = "playback-session-ended"

    def __init__(self) -> None:
        super().__init__("This playback has ended. Press play again to go on watching.")


class KeyNotAllowed(Forbidden):
    slug = "key-not-allowed"

    def __init__(self) -> None:
        super().__init__("This playback session may not use that key.")


class KeyAbovePlan(Forbidden):
    slug = "key-above-plan"

    def __init__(self, max_height: int) -> None:
        super().__init__(
            f"That key is for renditions above what your plan plays (up to {max_height}p).",
            max_height=max_height,
        )


class KeyIdRequired(Problem):
    slug = "key-id-required"

    def __init__(self) -> None:
        super().__init__("This title has a key per quality tier: name one (?kid=32 hex digits).")


class LicenseRateLimited(TooManyRequests):
    slug = "rate-limited"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            "Too many licence requests; try again shortly.",
            headers={"Retry-After": str(retry_after_s)},
        )
