"""Stripe's side of the life cycle, through signed webhooks on every database backend:
checkout → active → playback allowed; a failed renewal → past_due → grace over → playback
refused with payment-required → card fixed → active; a bad signature changes nothing; a
webhook delivered twice is applied once."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from marquee.app import create_app
from marquee.kit.db import utcnow
from marquee.settings import Settings
from tests.integration.billing.conftest import (
    WEBHOOK,
    checkout_completed,
    invoice,
    published,
    signed,
    subscribed,
    subscription_row,
)
from tests.integration.identity.conftest import bearer, new_email, signup, wait_for_mail

#: Playback's answer for a title unknown here, which it checks after the entitlement.
PAST_ENTITLEMENT = "/problems/not-available-in-territory"


def start_playback(client: TestClient, tokens: dict[str, Any]) -> Any:
    """Ask to play a title that does not exist (refused for it only past the entitlement)."""
    profiles = client.get("/api/v1/profiles", headers=bearer(tokens)).json()
    body = {"title_id": "no-such-title", "profile_id": profiles[0]["id"]}
    return client.post("/api/v1/playback/sessions", json=body, headers=bearer(tokens))


def test_checkout_then_a_failed_renewal_then_the_card_fixed(
    stripe_client: TestClient, stripe_settings: Settings
) -> None:
    client = stripe_client
    tokens, customer = subscribed(client)
    account = tokens["account_id"]
    sub = client.get("/api/v1/account", headers=bearer(tokens)).json()["subscription"]
    assert (sub["plan_id"], sub["status"], sub["provider"]) == ("standard", "active", "stripe")
    assert start_playback(client, tokens).json()["type"] == PAST_ENTITLEMENT

    renewal = int(time.time())
    failed = invoice(
        "invoice.payment_failed", customer, 1399, start=renewal, reason="subscription_cycle"
    )
    assert client.post(WEBHOOK, **signed(failed)).status_code == 200
    rights = client.get("/api/v1/account/entitlement", headers=bearer(tokens)).json()
    assert (rights["status"], rights["can_watch"]) == ("past_due", True)  # the grace period
    assert published(stripe_settings, "billing.invoice_failed", account)[-1]["amount"] == 1399

    subscription_row(stripe_settings, account, grace_ends_at=utcnow() - timedelta(seconds=1))
    refused = start_playback(client, tokens)
    assert refused.status_code == 402
    assert refused.json()["type"] == "/problems/payment-required"
    assert refused.json()["fix_url"] == "/api/v1/account/subscription/portal"
    rights = client.get("/api/v1/account/entitlement", headers=bearer(tokens)).json()
    assert (rights["can_watch"], rights["payment_required"]) == (False, True)

    paid = invoice("invoice.paid", customer, 1399, start=renewal, reason="subscription_cycle")
    assert client.post(WEBHOOK, **signed(paid)).status_code == 200
    assert start_playback(client, tokens).json()["type"] == PAST_ENTITLEMENT  # at once
    sub = client.get("/api/v1/account", headers=bearer(tokens)).json()["subscription"]
    assert sub["status"] == "active"
    assert sub["current_period_end"].startswith((utcnow() + timedelta(days=30)).date().isoformat())
    renewed = published(stripe_settings, "billing.subscription_renewed", account)
    assert [e["amount"] for e in renewed] == [1399]


def test_a_bad_signature_is_refused_and_changes_nothing(stripe_client: TestClient) -> None:
    tokens = signup(stripe_client)
    completed = checkout_completed(tokens["account_id"], "cus_forged")
    forged = signed(completed, secret="whsec_not_ours")
    answer = stripe_client.post(WEBHOOK, **forged)
    assert answer.status_code == 400
    assert answer.json()["type"] == "/problems/bad-signature"
    stale = signed(completed, at=int(time.time()) - 3600)  # a replay, past the tolerance
    assert stripe_client.post(WEBHOOK, **stale).status_code == 400
    unsigned = stripe_client.post(WEBHOOK, content=forged["content"])
    assert unsigned.status_code == 400
    account = stripe_client.get("/api/v1/account", headers=bearer(tokens)).json()
    assert account["subscription"] is None


def test_the_same_webhook_twice_is_applied_once(
    stripe_client: TestClient, stripe_settings: Settings
) -> None:
    tokens, customer = subscribed(stripe_client)
    first_invoice = "subscription_create"
    paid = invoice("invoice.paid", customer, 1399, start=int(time.time()), reason=first_invoice)
    first = stripe_client.post(WEBHOOK, **signed(paid))
    again = stripe_client.post(WEBHOOK, **signed(paid))
    assert (first.json()["applied"], again.json()["applied"]) == (True, False)
    paid_events = published(stripe_settings, "billing.invoice_paid", tokens["account_id"])
    assert len(paid_events) == 1
    renewals = published(stripe_settings, "billing.subscription_renewed", tokens["account_id"])
    assert renewals == []  # the first invoice is no renewal


def test_a_plan_chosen_without_checkout_is_refused(stripe_client: TestClient) -> None:
    tokens = signup(stripe_client)
    url = "/api/v1/account/subscription"
    answer = stripe_client.put(url, json={"plan_id": "basic"}, headers=bearer(tokens))
    assert answer.status_code == 409
    assert answer.json()["type"] == "/problems/checkout-required"


def test_receipts_and_failed_payments_are_mailed(stripe_settings: Settings) -> None:
    with TestClient(create_app(stripe_settings, run_workers=True)) as client:
        email = new_email()
        _tokens, customer = subscribed(client, email)
        renewal = int(time.time())
        failed = invoice(
            "invoice.payment_failed", customer, 1399, start=renewal, reason="subscription_cycle"
        )
        client.post(WEBHOOK, **signed(failed))
        paid = invoice("invoice.paid", customer, 1399, start=renewal, reason="subscription_cycle")
        client.post(WEBHOOK, **signed(paid))
        warning = wait_for_mail(stripe_settings, email, "Your Marquee payment failed")
        receipt = wait_for_mail(stripe_settings, email, "Your Marquee receipt")
    for mail in (warning, receipt):
        body = mail.get_payload(decode=True)
        assert isinstance(body, bytes)
        assert "13.99 USD" in body.decode()
        assert "Standard" in body.decode()
