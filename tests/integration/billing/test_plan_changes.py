"""Plan changes on a paying subscription, on every database backend: an upgrade takes effect
at once and charges the rest of the period's difference; a downgrade waits for the period's
end; a cancellation runs to the period's end and can be taken back."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marquee.billing import service as billing
from marquee.billing.providers.stripe import StripeProvider
from marquee.kit.db import Database, utcnow
from marquee.settings import Settings
from tests.integration.billing.conftest import (
    WEBHOOK,
    invoice,
    published,
    signed,
    subscribed,
    subscription_row,
)
from tests.integration.identity.conftest import bearer, signup

SUBSCRIPTION = "/api/v1/account/subscription"


@pytest.fixture
def stripe_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Stripe's side of a price change or a cancellation, recorded (localstripe knows neither
    inline prices nor ``proration_behavior``: docs/billing.md)."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def change_price(_self: StripeProvider, **kwargs: Any) -> None:
        calls.append(("change_price", kwargs))

    def cancel_at_period_end(_self: StripeProvider, **kwargs: Any) -> None:
        calls.append(("cancel_at_period_end", kwargs))

    monkeypatch.setattr(StripeProvider, "change_price", change_price)
    monkeypatch.setattr(StripeProvider, "cancel_at_period_end", cancel_at_period_end)
    return calls


def prices(client: TestClient) -> dict[str, int]:
    return {plan["id"]: plan["prices"]["USD"] for plan in client.get("/api/v1/plans").json()}


def test_an_upgrade_takes_effect_now_and_prorates(
    stripe_client: TestClient,
    stripe_settings: Settings,
    stripe_calls: list[tuple[str, dict[str, Any]]],
) -> None:
    tokens, _customer = subscribed(stripe_client)
    account = tokens["account_id"]
    now = utcnow()
    half_way = {"current_period_start": now - timedelta(days=15)}
    subscription_row(
        stripe_settings, account, **half_way, current_period_end=now + timedelta(days=15)
    )
    answer = stripe_client.put(SUBSCRIPTION, json={"plan_id": "premium"}, headers=bearer(tokens))
    assert answer.json()["plan_id"] == "premium"
    rights = stripe_client.get("/api/v1/account/entitlement", headers=bearer(tokens)).json()
    assert rights["max_height"] == 2160
    usd = prices(stripe_client)
    charged = published(stripe_settings, "billing.plan_changed", account)[-1]["amount"]
    assert charged == pytest.approx((usd["premium"] - usd["standard"]) / 2, abs=1)
    kind, call = stripe_calls[-1]
    assert (kind, call["amount"], call["prorate"]) == ("change_price", usd["premium"], True)


def test_a_downgrade_waits_for_the_end_of_the_period(
    stripe_client: TestClient,
    stripe_settings: Settings,
    stripe_calls: list[tuple[str, dict[str, Any]]],
) -> None:
    tokens, customer = subscribed(stripe_client)
    answer = stripe_client.put(SUBSCRIPTION, json={"plan_id": "basic"}, headers=bearer(tokens))
    assert (answer.json()["plan_id"], answer.json()["pending_plan_id"]) == ("standard", "basic")
    assert stripe_calls[-1][1]["prorate"] is False  # the next invoice is the cheaper one
    rights = stripe_client.get("/api/v1/account/entitlement", headers=bearer(tokens)).json()
    assert rights["max_height"] == 1080  # still what was paid for
    next_period = int(time.time()) + 30 * 86400
    renewal = invoice("invoice.paid", customer, 899, start=next_period, reason="subscription_cycle")
    assert stripe_client.post(WEBHOOK, **signed(renewal)).status_code == 200
    sub = stripe_client.get("/api/v1/account", headers=bearer(tokens)).json()["subscription"]
    assert (sub["plan_id"], sub["pending_plan_id"]) == ("basic", None)


def test_cancel_at_the_period_end_then_reactivate(
    stripe_client: TestClient,
    stripe_settings: Settings,
    stripe_calls: list[tuple[str, dict[str, Any]]],
) -> None:
    tokens, _customer = subscribed(stripe_client)
    canceled = stripe_client.delete(SUBSCRIPTION, headers=bearer(tokens)).json()
    assert canceled["status"] == "canceled"
    assert stripe_calls[-1] == (
        "cancel_at_period_end",
        {"subscription_ref": canceled_ref(stripe_settings, tokens), "cancel": True},
    )
    rights = stripe_client.get("/api/v1/account/entitlement", headers=bearer(tokens)).json()
    assert rights["can_watch"] is True
    back = stripe_client.put(SUBSCRIPTION, json={"plan_id": "standard"}, headers=bearer(tokens))
    assert (back.json()["status"], back.json()["canceled_at"]) == ("active", None)
    assert stripe_calls[-1][1]["cancel"] is False
    gone = published(stripe_settings, "billing.subscription_canceled", tokens["account_id"])
    assert gone[-1]["amount"] == prices(stripe_client)["standard"]


def canceled_ref(settings: Settings, tokens: dict[str, Any]) -> str | None:
    return subscription_row(settings, tokens["account_id"]).subscription_ref


def test_a_granted_plan_is_changed_through_checkout_only(
    stripe_client: TestClient, stripe_settings: Settings
) -> None:
    tokens = signup(stripe_client)
    db = Database(stripe_settings.resolved_database_url)
    with db.transaction() as session:
        billing.grant(session, account_id=tokens["account_id"], plan_id="basic", days=30)
    db.dispose()
    answer = stripe_client.put(SUBSCRIPTION, json={"plan_id": "premium"}, headers=bearer(tokens))
    assert answer.json()["type"] == "/problems/checkout-required"
    rights = stripe_client.get("/api/v1/account/entitlement", headers=bearer(tokens)).json()
    assert (rights["plan_id"], rights["max_height"]) == ("basic", 720)
