"""Plans, subscriptions, entitlement and the admin endpoints."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from marquee.app import create_app
from marquee.billing.models import Subscription
from marquee.identity import service
from marquee.kit.db import Database, utcnow
from marquee.settings import Settings
from tests.integration.identity.conftest import PASSWORD, bearer, new_email, signup


def entitlement(client: TestClient, tokens: dict[str, str]) -> dict[str, object]:
    response = client.get("/api/v1/account/entitlement", headers=bearer(tokens))
    assert response.status_code == 200
    return dict(response.json())


def test_plans_are_listed_with_their_limits_and_prices(client: TestClient) -> None:
    plans = {plan["id"]: plan for plan in client.get("/api/v1/plans").json()}
    assert list(plans) == ["basic", "standard", "premium"]
    limits = {
        k: (p["max_streams"], p["max_height"], p["download_devices"]) for k, p in plans.items()
    }
    assert limits == {"basic": (1, 720, 1), "standard": (2, 1080, 2), "premium": (4, 2160, 6)}
    assert {"USD", "EUR", "GBP"} <= set(plans["premium"]["prices"])


def test_without_a_subscription_nothing_can_be_watched(client: TestClient) -> None:
    tokens = signup(client)
    assert entitlement(client, tokens) == {
        "plan_id": None,
        "status": None,
        "max_streams": 0,
        "max_height": 0,
        "download_devices": 0,
        "can_watch": False,
        "payment_required": False,
    }


def test_choosing_a_plan_gives_its_entitlement(client: TestClient) -> None:
    tokens = signup(client)
    url = "/api/v1/account/subscription"
    chosen = client.put(url, json={"plan_id": "standard"}, headers=bearer(tokens))
    assert chosen.status_code == 200
    assert chosen.json()["status"] == "active"
    assert entitlement(client, tokens) == {
        "plan_id": "standard",
        "status": "active",
        "max_streams": 2,
        "max_height": 1080,
        "download_devices": 2,
        "can_watch": True,
        "payment_required": False,
    }
    client.put(url, json={"plan_id": "premium"}, headers=bearer(tokens))
    assert entitlement(client, tokens)["max_height"] == 2160
    account = client.get("/api/v1/account", headers=bearer(tokens)).json()
    assert account["subscription"]["plan_id"] == "premium"
    unknown = client.put(url, json={"plan_id": "ultra"}, headers=bearer(tokens))
    assert unknown.status_code == 404


def test_a_canceled_subscription_runs_to_the_end_of_its_period(client: TestClient) -> None:
    tokens = signup(client)
    url = "/api/v1/account/subscription"
    client.put(url, json={"plan_id": "basic"}, headers=bearer(tokens))
    canceled = client.delete(url, headers=bearer(tokens)).json()
    assert canceled["status"] == "canceled"
    assert canceled["canceled_at"] is not None
    assert entitlement(client, tokens)["can_watch"] is True


def test_a_new_subscription_starts_with_the_configured_trial(identity_settings: Settings) -> None:
    settings = identity_settings.model_copy(update={"trial_days": 7})
    with TestClient(create_app(settings)) as client:
        tokens = signup(client)
        body = {"plan_id": "basic"}
        sub = client.put("/api/v1/account/subscription", json=body, headers=bearer(tokens)).json()
        assert sub["status"] == "trialing"
        assert sub["trial_ends_at"] == sub["current_period_end"]
        assert entitlement(client, tokens)["can_watch"] is True


def make_admin(settings: Settings) -> str:
    email = new_email()
    db = Database(settings.resolved_database_url)
    with db.transaction() as session:
        service.register_account(
            session,
            settings=settings,
            email=email,
            password=PASSWORD,
            role="admin",
            verified=True,
        )
    db.dispose()
    return email


def test_admin_endpoints_need_the_admin_role(
    client: TestClient, identity_settings: Settings
) -> None:
    viewer = signup(client)
    url = f"/api/v1/admin/accounts/{viewer['account_id']}/subscription"
    body = {"plan_id": "premium", "status": "past_due"}
    refused = client.put(url, json=body, headers=bearer(viewer))
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/role-required"
    login = {"email": make_admin(identity_settings), "password": PASSWORD}
    admin = client.post("/api/v1/auth/login", json=login).json()
    assert client.put(url, json=body, headers=bearer(admin)).json()["status"] == "past_due"
    assert entitlement(client, viewer)["can_watch"] is True  # past due: a grace period
    role_url = f"/api/v1/admin/accounts/{viewer['account_id']}/role"
    assert client.put(role_url, json={"role": "editor"}, headers=bearer(admin)).status_code == 204
    assert client.get("/api/v1/account", headers=bearer(viewer)).json()["role"] == "editor"
    expired = {"plan_id": "premium", "status": "expired"}
    client.put(url, json=expired, headers=bearer(admin))
    assert entitlement(client, viewer)["can_watch"] is False


def test_the_trial_comes_once_per_account(identity_settings: Settings) -> None:
    settings = identity_settings.model_copy(update={"trial_days": 7})
    with TestClient(create_app(settings)) as client:
        tokens = signup(client)
        url = "/api/v1/account/subscription"
        first = client.put(url, json={"plan_id": "basic"}, headers=bearer(tokens)).json()
        assert first["status"] == "trialing"
        client.delete(url, headers=bearer(tokens))
        db = Database(settings.resolved_database_url)
        with db.transaction() as session:
            sub = session.scalars(
                select(Subscription).where(Subscription.account_id == tokens["account_id"])
            ).one()
            sub.current_period_end = utcnow() - timedelta(seconds=1)
        db.dispose()
        assert entitlement(client, tokens)["status"] == "expired"
        again = client.put(url, json={"plan_id": "basic"}, headers=bearer(tokens)).json()
        assert (again["status"], again["trial_ends_at"]) == ("active", None)


def test_plans_are_priced_with_the_country_tax(client: TestClient) -> None:
    plain = {plan["id"]: plan["prices"] for plan in client.get("/api/v1/plans").json()}
    germany = {p["id"]: p for p in client.get("/api/v1/plans/countries/de").json()}
    assert germany["premium"]["tax"] == {
        "country": "DE",
        "name": "VAT",
        "rate": "0.19",
        "inclusive": True,
    }
    eur = germany["premium"]["taxed_prices"]["EUR"]
    assert eur["net"] == plain["premium"]["EUR"]
    assert eur["shown"] == eur["total"] == eur["net"] + round(eur["net"] * 0.19)
    nowhere = client.get("/api/v1/plans/countries/ZZ").json()
    assert [(p["tax"], p["taxed_prices"]) for p in nowhere] == [(None, {})] * 3
    assert client.get("/api/v1/plans/countries/DEU").status_code == 422


def test_sign_up_is_offered_the_plans_taxed_where_the_viewer_is(
    identity_settings: Settings,
) -> None:
    settings = identity_settings.model_copy(update={"trial_days": 14, "default_country": "DE"})
    with TestClient(create_app(settings)) as client:
        offer = client.get("/api/v1/plans/offer").json()  # the test client's address: unknown
    assert (offer["country"], offer["trial_days"]) == ("DE", 14)
    premium = next(plan for plan in offer["plans"] if plan["id"] == "premium")
    assert premium["tax"]["name"] == "VAT"
    eur = premium["taxed_prices"]["EUR"]
    assert eur["shown"] == eur["net"] + eur["tax"] > eur["net"]
