"""The Stripe provider's requests through the official SDK, against localstripe (a local fake
of Stripe's API) at ``MARQUEE_STRIPE_API_BASE``. localstripe has customers but no Checkout
Sessions nor Customer Portal: against it a checkout shows how a refusal by Stripe reaches
the viewer (docs/billing.md lists what localstripe lacks)."""

from __future__ import annotations

from pathlib import Path

import stripe
from fastapi.testclient import TestClient

from marquee.app import create_app
from marquee.billing.providers.stripe import StripeProvider
from marquee.settings import Settings, load_settings
from tests.integration.billing.conftest import STRIPE_KEY, WEBHOOK_SECRET
from tests.integration.identity.conftest import bearer, signup


def settings_for(localstripe_url: str, tmp_path: Path, sqlite_database_url: str) -> Settings:
    return load_settings(
        data_dir=tmp_path / "var",
        database_url=sqlite_database_url,
        env="test",
        billing_provider="stripe",
        stripe_secret_key=STRIPE_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=localstripe_url,
    )


def test_a_customer_is_made_through_the_sdk(
    localstripe_url: str, tmp_path: Path, sqlite_database_url: str
) -> None:
    provider = StripeProvider(settings_for(localstripe_url, tmp_path, sqlite_database_url))
    customer_id = provider.create_customer(email="viewer@example.com", account_id="acc-1")
    client = stripe.StripeClient(STRIPE_KEY, base_addresses={"api": localstripe_url})
    customer = client.v1.customers.retrieve(customer_id)
    assert customer.email == "viewer@example.com"
    assert customer.to_dict()["metadata"] == {"account_id": "acc-1"}


def test_a_refusal_by_stripe_is_a_problem_and_changes_nothing(
    localstripe_url: str, tmp_path: Path, sqlite_database_url: str
) -> None:
    settings = settings_for(localstripe_url, tmp_path, sqlite_database_url)
    with TestClient(create_app(settings)) as client:
        tokens = signup(client)
        url = "/api/v1/account/subscription/checkout"
        answer = client.post(url, json={"plan_id": "premium"}, headers=bearer(tokens))
        assert answer.status_code == 502
        assert answer.json()["type"] == "/problems/payment-provider-error"
        assert STRIPE_KEY not in answer.text
        account = client.get("/api/v1/account", headers=bearer(tokens)).json()
        assert account["subscription"] is None
        unknown = client.post(
            url, json={"plan_id": "premium", "currency": "XXX"}, headers=bearer(tokens)
        )
        assert unknown.status_code == 404
