"""The manual provider: vouchers made by ``marquee billing voucher create`` and redeemed by
accounts (each once, up to its uses, until it expires), grants by ``marquee billing grant``,
on every database backend."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from marquee.billing.models import Voucher
from marquee.cli.main import app as cli
from marquee.kit.db import Database, utcnow
from marquee.settings import Settings
from tests.integration.billing.conftest import marquee
from tests.integration.identity.conftest import bearer, signup

REDEEM = "/api/v1/account/subscription/redeem"


def test_a_voucher_gives_its_days_once_per_account_up_to_its_uses(
    manual_client: TestClient,
) -> None:
    code = marquee(
        "billing", "voucher", "create", "--plan", "premium", "--days", "14", "--uses", "2"
    )
    first, second, third = signup(manual_client), signup(manual_client), signup(manual_client)
    sub = manual_client.post(REDEEM, json={"code": code}, headers=bearer(first)).json()
    assert (sub["plan_id"], sub["status"], sub["provider"]) == ("premium", "active", "grant")
    days = sub["current_period_end"][:10]
    assert days == (utcnow() + timedelta(days=14)).date().isoformat()

    twice = manual_client.post(REDEEM, json={"code": code}, headers=bearer(first))
    assert twice.status_code == 409
    assert twice.json()["type"] == "/problems/voucher-already-redeemed"
    mine = manual_client.get("/api/v1/account", headers=bearer(first)).json()["subscription"]
    assert mine["current_period_end"][:10] == days  # nothing added the second time

    typed = code.lower()  # codes are read whatever their case
    assert (
        manual_client.post(REDEEM, json={"code": typed}, headers=bearer(second)).status_code == 200
    )
    used_up = manual_client.post(REDEEM, json={"code": code}, headers=bearer(third))
    assert used_up.status_code == 409
    assert used_up.json()["type"] == "/problems/voucher-used-up"
    assert (
        manual_client.get("/api/v1/account", headers=bearer(third)).json()["subscription"] is None
    )


def test_expired_and_unknown_vouchers_are_refused(
    manual_client: TestClient, manual_settings: Settings
) -> None:
    tokens = signup(manual_client)
    unknown = manual_client.post(REDEEM, json={"code": "NOPE-NOPE"}, headers=bearer(tokens))
    assert unknown.status_code == 404
    code = marquee("billing", "voucher", "create", "--plan", "basic", "--days", "7")
    db = Database(manual_settings.resolved_database_url)
    with db.transaction() as session:
        voucher = session.get(Voucher, code)
        assert voucher is not None
        voucher.expires_at = utcnow() - timedelta(minutes=1)
    db.dispose()
    expired = manual_client.post(REDEEM, json={"code": code}, headers=bearer(tokens))
    assert expired.status_code == 409
    assert expired.json()["type"] == "/problems/voucher-expired"
    assert (
        manual_client.get("/api/v1/account", headers=bearer(tokens)).json()["subscription"] is None
    )


def test_a_grant_gives_days_of_a_plan(manual_client: TestClient) -> None:
    tokens = signup(manual_client)
    shown = marquee(
        "billing", "grant", "--account", tokens["account_id"], "--plan", "standard", "--days", "30"
    )
    assert shown.startswith("standard until ")
    rights = manual_client.get("/api/v1/account/entitlement", headers=bearer(tokens)).json()
    assert (rights["plan_id"], rights["can_watch"]) == ("standard", True)
    refused = CliRunner().invoke(
        cli,
        ["billing", "grant", "--account", tokens["account_id"], "--plan", "ultra", "--days", "3"],
    )
    assert refused.exit_code == 1
    assert "ultra" in refused.output
