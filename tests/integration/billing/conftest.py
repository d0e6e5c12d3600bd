"""Billing API fixtures: identity's (an app with cheap argon2, helpers to sign up), an app with
Stripe as the provider on every database backend, Stripe-signed webhooks, and localstripe (a
local fake of Stripe's API) for the SDK's requests."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from marquee.billing.models import Subscription
from marquee.kit.db import Database
from marquee.kit.outbox import OutboxEntry
from marquee.settings import Settings, load_settings
from tests.integration.identity.conftest import CHEAP_ARGON2, client, identity_settings

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
        **CHEAP_ARGON2,
    )


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
