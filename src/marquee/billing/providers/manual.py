"""The manual provider: nobody pays through Marquee. Plans are chosen in the app, granted by an
admin or given by vouchers (:mod:`marquee.billing.vouchers`)."""

from __future__ import annotations

from marquee.billing.providers.base import Checkout, NotWithThisProvider, ProviderEvent, Refund


class ManualProvider:
    name = "manual"

    def checkout_url(self, checkout: Checkout) -> str:
        raise NotWithThisProvider(
            "Payments are not taken here: choose the plan with PUT /api/v1/account/subscription."
        )

    def portal_url(self, *, customer_ref: str, return_url: str) -> str:
        raise NotWithThisProvider("Payments are not taken here: there are no cards to manage.")

    def change_price(
        self, *, subscription_ref: str, plan_id: str, amount: int, currency: str, prorate: bool
    ) -> None:
        """Nothing to charge."""

    def cancel_at_period_end(self, *, subscription_ref: str, cancel: bool) -> None:
        """Nothing to stop charging."""

    def refund(self, refund: Refund) -> str | None:
        """The money was not taken here: the operator pays it back; the credit note records it."""
        return None

    def verify_webhook(self, payload: bytes, signature: str) -> ProviderEvent | None:
        raise NotWithThisProvider("Stripe is not this platform's payment provider.")
