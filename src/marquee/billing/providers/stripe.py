"""Stripe through its official SDK: Checkout, the Customer Portal, price changes and signed
webhooks. ``MARQUEE_STRIPE_API_BASE`` points the SDK at a local fake (localstripe) or a proxy.
The secret key and the webhook secret are only read from the settings and never logged."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import stripe

from marquee.billing.providers.base import (
    BadSignature,
    Checkout,
    PaymentProviderError,
    ProviderEvent,
    Refund,
)
from marquee.settings import Settings

Json = Mapping[str, Any]


def _time(value: object) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) else None


def _metadata(obj: Json) -> Json:
    metadata = obj.get("metadata")
    return metadata if isinstance(metadata, Mapping) else {}


class StripeProvider:
    name = "stripe"

    def __init__(self, settings: Settings) -> None:
        if settings.stripe_secret_key is None:
            raise PaymentProviderError("MARQUEE_STRIPE_SECRET_KEY is not set.")
        self._client = stripe.StripeClient(
            settings.stripe_secret_key.get_secret_value(),
            base_addresses={"api": settings.stripe_api_base.rstrip("/")},
        )
        secret = settings.stripe_webhook_secret
        self._webhook_secret = secret.get_secret_value() if secret else ""
        self._tolerance_s = settings.stripe_webhook_tolerance_s

    def create_customer(self, *, email: str, account_id: str) -> str:
        params: Any = {"email": email, "metadata": {"account_id": account_id}}
        customer = self._call(lambda: self._client.v1.customers.create(params))
        return str(customer.id)

    def checkout_url(self, checkout: Checkout) -> str:
        metadata = {"account_id": checkout.account_id, "plan_id": checkout.plan_id}
        if checkout.country:
            metadata["country"] = checkout.country
        subscription_data: dict[str, Any] = {"metadata": metadata}
        if checkout.trial_days:
            subscription_data["trial_period_days"] = checkout.trial_days
        params: Any = {
            "mode": "subscription",
            "client_reference_id": checkout.account_id,
            "line_items": [{"quantity": 1, "price_data": self._price(checkout)}],
            "subscription_data": subscription_data,
            "metadata": metadata,
            "success_url": checkout.success_url,
            "cancel_url": checkout.cancel_url,
        }
        if checkout.customer_ref:
            params["customer"] = checkout.customer_ref
        else:
            params["customer_email"] = checkout.email
        session = self._call(lambda: self._client.v1.checkout.sessions.create(params))
        return str(session.url)

    def portal_url(self, *, customer_ref: str, return_url: str) -> str:
        params: Any = {"customer": customer_ref, "return_url": return_url}
        session = self._call(lambda: self._client.v1.billing_portal.sessions.create(params))
        return str(session.url)

    def change_price(
        self, *, subscription_ref: str, plan_id: str, amount: int, currency: str, prorate: bool
    ) -> None:
        current = self._call(lambda: self._client.v1.subscriptions.retrieve(subscription_ref))
        item = current["items"]["data"][0]
        price = {
            "currency": currency.lower(),
            "unit_amount": amount,
            "recurring": {"interval": "month"},
            "product": item["price"]["product"],
        }
        params: Any = {
            "items": [{"id": item["id"], "price_data": price}],
            "proration_behavior": "always_invoice" if prorate else "none",
            "metadata": {"plan_id": plan_id},
        }
        self._call(lambda: self._client.v1.subscriptions.update(subscription_ref, params))

    def cancel_at_period_end(self, *, subscription_ref: str, cancel: bool) -> None:
        params: Any = {"cancel_at_period_end": cancel}
        self._call(lambda: self._client.v1.subscriptions.update(subscription_ref, params))

    def refund(self, refund: Refund) -> str | None:
        """A refund of the payment, made once per key (Stripe's idempotency key)."""
        field = "charge" if refund.payment_ref.startswith("ch_") else "payment_intent"
        params: Any = {field: refund.payment_ref, "amount": refund.amount}
        options: Any = {"idempotency_key": refund.key}
        made = self._call(lambda: self._client.v1.refunds.create(params, options))
        return str(made.id)

    def verify_webhook(self, payload: bytes, signature: str) -> ProviderEvent | None:
        """Stripe's signature (``t=…,v1=…``: HMAC-SHA256 of ``t.payload``) within the tolerance."""
        if not self._webhook_secret:
            raise BadSignature("MARQUEE_STRIPE_WEBHOOK_SECRET is not set: webhooks are refused.")
        try:
            stripe.Webhook.construct_event(
                payload, signature, self._webhook_secret, tolerance=self._tolerance_s
            )
        except (ValueError, stripe.SignatureVerificationError) as exc:
            raise BadSignature("The webhook's signature does not verify.") from exc
        event = json.loads(payload)
        parse = _PARSERS.get(event.get("type", ""))
        return None if parse is None else parse(event["id"], event["data"]["object"])

    @staticmethod
    def _price(checkout: Checkout) -> dict[str, Any]:
        return {
            "currency": checkout.currency.lower(),
            "unit_amount": checkout.amount,
            "recurring": {"interval": "month"},
            "product_data": {"name": checkout.plan_name},
        }

    @staticmethod
    def _call(request: Callable[[], Any]) -> Any:
        try:
            return request()
        except stripe.StripeError as exc:
            raise PaymentProviderError(f"Stripe refused the request: {exc.user_message}") from exc


def _checkout_completed(event_id: str, obj: Json) -> ProviderEvent:
    metadata = _metadata(obj)
    return ProviderEvent(
        id=event_id,
        kind="checkout_completed",
        customer_ref=obj.get("customer"),
        subscription_ref=obj.get("subscription"),
        account_id=obj.get("client_reference_id") or metadata.get("account_id"),
        plan_id=metadata.get("plan_id"),
        amount=int(obj.get("amount_total") or 0),
        currency=(obj.get("currency") or "usd").upper(),
        country=metadata.get("country"),
    )


def _invoice_subscription(obj: Json) -> str | None:
    """Where the invoice names its subscription (the field moved in API version 2025-03-31)."""
    parent = obj.get("parent") or {}
    details = parent.get("subscription_details") or {}
    return obj.get("subscription") or details.get("subscription")


def _invoice_payment(obj: Json) -> str | None:
    """The invoice's payment: ``payment_intent`` or ``charge`` (before API version 2025-03-31),
    else its first payment's intent."""
    payments = (obj.get("payments") or {}).get("data") or [{}]
    payment = payments[0].get("payment") or {}
    return obj.get("payment_intent") or obj.get("charge") or payment.get("payment_intent")


def _invoice_lines(lines: list[Json]) -> tuple[tuple[str, int], ...]:
    return tuple(
        (str(line.get("description") or ""), int(line["amount"]))
        for line in lines
        if isinstance(line.get("amount"), int)
    )


def _invoice(kind: str) -> Callable[[str, Json], ProviderEvent]:
    def parse(event_id: str, obj: Json) -> ProviderEvent:
        lines = (obj.get("lines") or {}).get("data") or [{}]
        period = lines[0].get("period") or {}
        address = obj.get("customer_address") or {}
        paid = obj.get("amount_paid") if kind == "invoice_paid" else obj.get("amount_due")
        return ProviderEvent(
            id=event_id,
            kind="invoice_paid" if kind == "invoice_paid" else "invoice_failed",
            customer_ref=obj.get("customer"),
            subscription_ref=_invoice_subscription(obj),
            amount=int(paid or 0),
            currency=(obj.get("currency") or "usd").upper(),
            period_start=_time(period.get("start")),
            period_end=_time(period.get("end")),
            reason=obj.get("billing_reason"),
            ref=obj.get("id"),
            payment_ref=_invoice_payment(obj),
            lines=_invoice_lines(lines),
            country=address.get("country"),
        )

    return parse


def _subscription(kind: str) -> Callable[[str, Json], ProviderEvent]:
    def parse(event_id: str, obj: Json) -> ProviderEvent:
        items = (obj.get("items") or {}).get("data") or [{}]
        end = obj.get("current_period_end") or items[0].get("current_period_end")
        start = obj.get("current_period_start") or items[0].get("current_period_start")
        return ProviderEvent(
            id=event_id,
            kind="subscription_updated" if kind == "updated" else "subscription_deleted",
            customer_ref=obj.get("customer"),
            subscription_ref=obj.get("id"),
            plan_id=_metadata(obj).get("plan_id"),
            period_start=_time(start),
            period_end=_time(end),
            cancel_at_period_end=obj.get("cancel_at_period_end"),
            trial_end=_time(obj.get("trial_end")),
        )

    return parse


_PARSERS: dict[str, Callable[[str, Json], ProviderEvent]] = {
    "checkout.session.completed": _checkout_completed,
    "invoice.paid": _invoice("invoice_paid"),
    "invoice.payment_failed": _invoice("invoice_failed"),
    "customer.subscription.updated": _subscription("updated"),
    "customer.subscription.deleted": _subscription("deleted"),
}
