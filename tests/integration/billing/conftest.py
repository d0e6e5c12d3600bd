"""Billing API fixtures: identity's (an app with cheap argon2, helpers to sign up), apps with the
manual provider (and the commands on the same settings) and with Stripe on every database
backend, Stripe-signed webhooks, and localstripe (a local fake of Stripe's API) for the SDK's
requests."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from marquee.app import create_app
from marquee.billing.models import Subscription
from marquee.cli.main import app as cli
from marquee.kit.db import Database
from marquee.kit.outbox import OutboxEntry
from marquee.settings import Settings, load_settings
from tests.integration.identity.conftest import (
    client,
    identity_settings,
    signup,
)

__all__ = ["client", "identity_settings"]

WEBHOOK_SECRET = "whsec_marquee_tests_0123456789"
STRIPE_KEY = "sk_test_marquee"
#: Nothing answers here: webhook tests must not reach Stripe.
NO_STRIPE = "http://127.0.0.1:9"


@pytest.fixture
def stripe_settings(database_url: str, tmp_path: Path) -> Settings:
    """Stripe as the provider, on each database backend."""
    return load_settings(
        data_dir=tmp_path / "var",
        database_url=database_url,
        env="test",
        log_json=False,
        billing_provider="stripe",
        stripe_secret_key=STRIPE_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=NO_STRIPE,
        billing_grace_days=3,
    )


@pytest.fixture
def stripe_client(stripe_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(stripe_settings)) as client:
        yield client


def signed(event: dict[str, Any], *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> Any:
    """``event`` as Stripe sends it: the body and its ``Stripe-Signature`` header
    (``t=<unix time>,v1=<hex HMAC-SHA256 of "t.body" keyed by the endpoint's secret>``)."""
    body = json.dumps(event).encode()
    stamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    headers = {"Stripe-Signature": f"t={stamp},v1={mac}", "Content-Type": "application/json"}
    return {"content": body, "headers": headers}


def subscription_row(settings: Settings, account_id: str, **changes: Any) -> Subscription:
    """The account's subscription row, after setting ``changes`` on it (moving the calendar)."""
    db = Database(settings.resolved_database_url)
    try:
        with db.transaction() as session:
            query = select(Subscription).where(Subscription.account_id == account_id)
            row = session.scalars(query).one()
            for name, value in changes.items():
                setattr(row, name, value)
            session.flush()
            session.expunge(row)
            return row
    finally:
        db.dispose()


def published(settings: Settings, name: str, account_id: str) -> list[dict[str, Any]]:
    """The payloads of the events ``name`` published about the account (from the outbox)."""
    db = Database(settings.resolved_database_url)
    try:
        with db.transaction() as session:
            rows = session.scalars(
                select(OutboxEntry).where(OutboxEntry.name == name).order_by(OutboxEntry.id)
            )
            return [row.payload for row in rows if row.payload.get("account_id") == account_id]
    finally:
        db.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    """localstripe on a free port for the test session (skipped, saying why, without it)."""
    port = _free_port()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "localstripe", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError as exc:
        pytest.skip(f"localstripe cannot start: {exc} (it is in the dev extras)")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.skip("localstripe did not answer within 20 s (pip install localstripe)")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


WEBHOOK = "/api/v1/billing/webhooks/stripe"
DAY = 86400


def event(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"evt_{uuid.uuid4().hex}", "type": kind, "data": {"object": obj}}


def checkout_completed(account_id: str, customer: str, plan_id: str = "standard") -> Any:
    return event(
        "checkout.session.completed",
        {
            "id": f"cs_{uuid.uuid4().hex}",
            "client_reference_id": account_id,
            "customer": customer,
            "subscription": f"sub_{customer}",
            "metadata": {"account_id": account_id, "plan_id": plan_id},
            "amount_total": 1399,
            "currency": "usd",
        },
    )


def invoice(kind: str, customer: str, amount: int, *, start: int, reason: str) -> Any:
    field = "amount_paid" if kind == "invoice.paid" else "amount_due"
    return event(
        kind,
        {
            "id": f"in_{uuid.uuid4().hex}",
            "customer": customer,
            "subscription": f"sub_{customer}",
            field: amount,
            "currency": "usd",
            "billing_reason": reason,
            "lines": {"data": [{"period": {"start": start, "end": start + 30 * DAY}}]},
        },
    )


def subscribed(client: TestClient, email: str | None = None) -> tuple[dict[str, Any], str]:
    tokens = signup(client, email)
    customer = f"cus_{uuid.uuid4().hex[:12]}"
    done = client.post(WEBHOOK, **signed(checkout_completed(tokens["account_id"], customer)))
    assert done.status_code == 200, done.text
    return tokens, customer


@pytest.fixture
def manual_settings(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The manual provider on each backend; the commands read the same settings."""
    monkeypatch.setenv("MARQUEE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MARQUEE_DATABASE_URL", database_url)
    monkeypatch.setenv("MARQUEE_LOG_JSON", "false")
    return load_settings(data_dir=tmp_path / "var", database_url=database_url, env="test")


@pytest.fixture
def manual_client(manual_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(manual_settings)) as client:
        yield client
        # The commands' events were committed outside the app: hand them on before it stops
        # (later tests on the shared database count today's events).
        while client.app.state.platform.relay.relay_once():  # type: ignore[attr-defined]
            pass


def marquee(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output.strip()
