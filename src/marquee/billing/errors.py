"""Billing's problems; each slug is part of the API contract (``/problems/<slug>``)."""

from __future__ import annotations

from marquee.kit.errors import Conflict, NotFound, Problem

#: Where a viewer gets the link to fix their card (the provider's portal).
FIX_PAYMENT_PATH = "/api/v1/account/subscription/portal"


class PlanNotFound(NotFound):
    def __init__(self, plan_id: str) -> None:
        super().__init__(f"No plan {plan_id!r}.")


class NoSubscription(NotFound):
    slug = "no-subscription"

    def __init__(self) -> None:
        super().__init__("This account has no subscription.")


class PaymentRequired(Problem):
    """Suspended after a failed payment and its grace period: paying restores it at once."""

    slug = "payment-required"
    status = 402

    def __init__(self) -> None:
        super().__init__(
            "The last payment failed and its grace period is over: fix the card to watch again.",
            fix_url=FIX_PAYMENT_PATH,
        )


class CheckoutRequired(Conflict):
    slug = "checkout-required"

    def __init__(self) -> None:
        super().__init__(
            "Subscribe through checkout: POST /api/v1/account/subscription/checkout {plan_id}."
        )


class VoucherNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such voucher code.")


class VoucherRefused(Conflict):
    """A voucher that exists but cannot be redeemed (expired, used up, or already redeemed by
    this account): ``slug`` says which."""


class InvoiceNotFound(NotFound):
    def __init__(self, number: str) -> None:
        super().__init__(f"No invoice {number!r}.")


class RefundRefused(Conflict):
    """More than is left of the invoice, or a document that is no paid invoice."""

    slug = "refund-refused"
