"""Payment providers behind one interface (:class:`base.PaymentProvider`), chosen by
``MARQUEE_BILLING_PROVIDER``."""

from __future__ import annotations

from marquee.billing.providers.base import PaymentProvider
from marquee.billing.providers.manual import ManualProvider
from marquee.billing.providers.stripe import StripeProvider
from marquee.settings import Settings


def open_provider(settings: Settings) -> PaymentProvider:
    if settings.billing_provider == "stripe":
        return StripeProvider(settings)
    return ManualProvider()
