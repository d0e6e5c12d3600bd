"""Billing's problems; each slug is part of the API contract (``/problems/<slug>``)."""

from __future__ import annotations

from marquee.kit.errors import NotFound


class PlanNotFound(NotFound):
    def __init__(self, plan_id: str) -> None:
        super().__init__(f"No plan {plan_id!r}.")


class NoSubscription(NotFound):
    slug = "no-subscription"

    def __init__(self) -> None:
        super().__init__("This account has no subscription.")
