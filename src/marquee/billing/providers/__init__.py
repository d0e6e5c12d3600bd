"""Payment providers behind one interface (:class:`base.PaymentProvider`), chosen by
``MARQUEE_BILLING_PROVIDER``."""

from __future__ import annotations

from marquee.billing.providers.base import PaymentProvider
from marquee.billing.providers.manual import ManualProvider
from marquee.billing.providers.stripe import StripeProvider
from marquee.settings import Settings


def open_provider(settings: Settings, name: str | None = None) -> PaymentProvider:
    """The platform's provider, or the one called ``name`` (a charge is refunded by the
    provider that took it, whichever the platform uses now)."""
    if (name or settings.billing_provider) == "stripe":
        return StripeProvider(settings)
    return ManualProvider()
