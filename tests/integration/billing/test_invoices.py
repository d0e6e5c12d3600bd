"""Invoices and refunds on every database backend: each charge gets the next number of the
series, its lines taxed by the customer's country, and a PDF that says so; an admin refunds all
or part of one through Stripe (localstripe here) with a credit note, once per Idempotency-Key;
vouchers and grants get invoices of 0; the admin's list shows unpaid subscriptions first."""

from __future__ import annotations

import io
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import stripe
from fastapi.testclient import TestClient
from pypdf import PdfReader

from marquee.app import create_app
from marquee.billing import invoices
from marquee.billing import service as billing
from marquee.billing.providers.base import Checkout
from marquee.billing.providers.stripe import StripeProvider
from marquee.kit.db import Database
from marquee.settings import Settings
from tests.integration.billing.conftest import (
    STRIPE_KEY,
    WEBHOOK,
    checkout_completed,
    invoice,
    marquee,
    published,
    signed,
    subscribed,
)
from tests.integration.billing.test_plans import make_admin
from tests.integration.identity.conftest import PASSWORD, bearer, signup

INVOICES = "/api/v1/account/invoices"


def paid(customer: str, amount: int, **fields: Any) -> Any:
    """A signed ``invoice.paid`` for ``customer`` with ``fields`` set on the invoice."""
    event = invoice("invoice.paid", customer, amount, start=int(time.time()), reason="manual")
    event["data"]["object"].update(fields)
    return signed(event)


def pdf_text(client: TestClient, tokens: dict[str, Any], number: str) -> str:
    answer = client.get(f"{INVOICES}/{number}/pdf", headers=bearer(tokens))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert f'filename="{number}.pdf"' in answer.headers["content-disposition"]
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)


def sequence(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


def admin_tokens(client: TestClient, settings: Settings) -> Any:
    login = {"email": make_admin(settings), "password": PASSWORD}
    return client.post("/api/v1/auth/login", json=login).json()


def test_every_charge_gets_the_next_number_taxed_lines_and_a_pdf(
    stripe_client: TestClient,
) -> None:
    client = stripe_client
    tokens, customer = subscribed(client)
    german = {"customer_address": {"country": "DE"}}
    first = paid(customer, 1399, lines={"data": [{"description": "Standard", "amount": 1399}]})
    proration = [
        {"description": "Unused time on Standard", "amount": -700},
        {"description": "Remaining time on Premium", "amount": 1100},
    ]
    second = paid(customer, 400, lines={"data": proration}, **german)
    for event in (first, second):
        assert client.post(WEBHOOK, **event).status_code == 200
    newest, oldest = client.get(INVOICES, headers=bearer(tokens)).json()
    assert sequence(newest["number"]) == sequence(oldest["number"]) + 1  # no gap
    assert oldest["number"].startswith("INV-")
    assert (oldest["total"], oldest["tax"], oldest["country"]) == (1399, 0, None)
    assert [(line["position"], line["total"]) for line in newest["lines"]] == [(1, -700), (2, 1100)]
    # German VAT (19 %) inside each line, rounded half up: 700/1.19 = 588.2, 1100/1.19 = 924.4
    assert [line["tax"] for line in newest["lines"]] == [-112, 176]
    assert (newest["net"], newest["tax"], newest["total"]) == (336, 64, 400)

    text = pdf_text(client, tokens, newest["number"])
    for shown in (
        f"Invoice {newest['number']}",
        "Marquee",
        "Unused time on Standard",
        "Remaining time on Premium",
        "-7.00 USD",
        "11.00 USD",
        "19 %",
        "0.64 USD",
        "4.00 USD",
    ):
        assert shown in text

    stranger = signup(client)
    other = client.get(f"{INVOICES}/{newest['number']}/pdf", headers=bearer(stranger))
    assert other.status_code == 404
    assert client.get(INVOICES, headers=bearer(stranger)).json() == []


@pytest.fixture
def refund_client(stripe_settings: Settings, localstripe_url: str) -> Any:
    settings = stripe_settings.model_copy(update={"stripe_api_base": localstripe_url})
    with TestClient(create_app(settings)) as client:
        yield (
            client,
            settings,
            stripe.StripeClient(STRIPE_KEY, base_addresses={"api": localstripe_url}),
        )


def test_an_admin_refunds_part_then_the_rest_through_stripe_once_per_key(
    refund_client: Any,
) -> None:
    client, settings, stripe_api = refund_client
    tokens, customer = subscribed(client)
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}
    method = stripe_api.v1.payment_methods.create({"type": "card", "card": card})
    charge = stripe_api.v1.charges.create({"amount": 1399, "currency": "usd", "source": method.id})
    assert client.post(WEBHOOK, **paid(customer, 1399, charge=charge.id)).status_code == 200
    number = client.get(INVOICES, headers=bearer(tokens)).json()[0]["number"]
    admin = admin_tokens(client, settings)
    url = f"/api/v1/admin/invoices/{number}/refunds"
    key = {"Idempotency-Key": f"refund-{uuid.uuid4().hex}"}

    part = client.post(url, json={"amount": 500, "reason": "outage"}, headers=bearer(admin) | key)
    assert part.status_code == 201, part.text
    note = part.json()
    assert (note["kind"], note["total"], note["credited_invoice"]) == ("credit_note", 500, number)
    assert note["number"].startswith("INV-CN-")
    again = client.post(url, json={"amount": 500}, headers=bearer(admin) | key)
    assert (again.status_code, again.json()["number"]) == (200, note["number"])
    refunds = stripe_api.v1.refunds.list({"charge": charge.id}).data
    assert [refund.amount for refund in refunds] == [500]  # once, though asked twice

    too_much = {"Idempotency-Key": f"refund-{uuid.uuid4().hex}"}
    refused = client.post(url, json={"amount": 1000}, headers=bearer(admin) | too_much)
    assert (refused.status_code, refused.json()["type"]) == (409, "/problems/refund-refused")
    rest_key = {"Idempotency-Key": f"refund-{uuid.uuid4().hex}"}
    rest = client.post(url, json={}, headers=bearer(admin) | rest_key).json()
    assert rest["total"] == 899
    assert sequence(rest["number"]) == sequence(note["number"]) + 1
    listed = {doc["number"]: doc for doc in client.get(INVOICES, headers=bearer(tokens)).json()}
    assert listed[number]["refunded"] == 1399
    refunded = published(settings, "billing.refunded", tokens["account_id"])
    assert [event["amount"] for event in refunded] == [500, 899]
    assert f"Credit note {note['number']}" in pdf_text(client, tokens, note["number"])
    viewer_refund = client.post(url, json={}, headers=bearer(tokens) | rest_key)
    assert viewer_refund.status_code == 403


def test_vouchers_and_grants_get_invoices_of_nothing(
    manual_client: TestClient, manual_settings: Settings
) -> None:
    client = manual_client
    db = Database(manual_settings.resolved_database_url)
    with db.transaction() as session:
        code = billing.create_voucher(session, plan_id="premium", days=30, expires_at=None)
    db.dispose()
    tokens = signup(client)
    redeem = {"code": code}
    url = "/api/v1/account/subscription/redeem"
    assert client.post(url, json=redeem, headers=bearer(tokens)).status_code == 200
    admin = admin_tokens(client, manual_settings)
    grant = {"plan_id": "premium", "days": 10}
    granted = client.post(
        f"/api/v1/admin/accounts/{tokens['account_id']}/grants", json=grant, headers=bearer(admin)
    )
    assert granted.status_code == 200, granted.text
    after_grant, after_voucher = client.get(INVOICES, headers=bearer(tokens)).json()
    assert f"voucher {code}" in after_voucher["lines"][0]["description"]
    assert "granted, 10 days" in after_grant["lines"][0]["description"]
    assert (after_voucher["total"], after_grant["total"]) == (0, 0)
    assert "0.00 USD" in pdf_text(client, tokens, after_voucher["number"])
    key = {"Idempotency-Key": f"refund-{uuid.uuid4().hex}"}
    nothing = client.post(
        f"/api/v1/admin/invoices/{after_voucher['number']}/refunds",
        json={},
        headers=bearer(admin) | key,
    )
    assert nothing.status_code == 409


def test_the_admin_list_shows_unpaid_subscriptions_first(
    manual_client: TestClient, manual_settings: Settings
) -> None:
    client = manual_client
    late, fine = signup(client), signup(client)
    admin = admin_tokens(client, manual_settings)
    for tokens, status in ((fine, "active"), (late, "past_due")):
        url = f"/api/v1/admin/accounts/{tokens['account_id']}/subscription"
        body = {"plan_id": "basic", "status": status}
        assert client.put(url, json=body, headers=bearer(admin)).status_code == 200
    rows = client.get("/api/v1/admin/subscriptions", headers=bearer(admin)).json()
    unpaid = [row["status"] in ("past_due", "suspended") for row in rows]
    assert unpaid == sorted(unpaid, reverse=True)  # every unpaid one before every other
    by_account = {row["account_id"]: row for row in rows}
    assert by_account[late["account_id"]]["status"] == "past_due"
    assert by_account[fine["account_id"]]["email"].startswith("viewer-")
    refused = client.get("/api/v1/admin/subscriptions", headers=bearer(fine))
    assert refused.status_code == 403


def test_checkout_charges_the_taxed_price_and_its_invoice_shows_the_tax(
    stripe_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkouts: list[Checkout] = []

    def checkout_url(_provider: StripeProvider, checkout: Checkout) -> str:
        checkouts.append(checkout)
        return "https://checkout.example/session"

    monkeypatch.setattr(StripeProvider, "checkout_url", checkout_url)
    settings = stripe_settings.model_copy(update={"default_country": "DE"})
    with TestClient(create_app(settings)) as client:
        tokens = signup(client)
        body = {"plan_id": "premium", "currency": "EUR"}
        url = "/api/v1/account/subscription/checkout"
        assert client.post(url, json=body, headers=bearer(tokens)).status_code == 200
        offer = client.get("/api/v1/plans/offer").json()["plans"]
        shown = next(p for p in offer if p["id"] == "premium")["taxed_prices"]["EUR"]
        assert (checkouts[0].amount, checkouts[0].country) == (shown["total"], "DE")

        customer = f"cus_{uuid.uuid4().hex[:12]}"
        completed = checkout_completed(tokens["account_id"], customer, plan_id="premium")
        completed["data"]["object"]["metadata"]["country"] = "DE"
        assert client.post(WEBHOOK, **signed(completed)).status_code == 200
        assert client.post(WEBHOOK, **paid(customer, shown["total"])).status_code == 200
        charged = client.get(INVOICES, headers=bearer(tokens)).json()[0]
    assert (charged["country"], charged["total"]) == ("DE", shown["total"])
    assert (charged["net"], charged["tax"]) == (shown["net"], shown["tax"])


def test_marquee_billing_refund_records_a_manual_refund_once_per_key(
    manual_client: TestClient, manual_settings: Settings
) -> None:
    tokens = signup(manual_client)
    db = Database(manual_settings.resolved_database_url)
    with db.transaction() as session:  # an operator's charge taken outside Marquee
        charge = [("Premium plan, paid by bank transfer", 1549)]
        number = invoices.issue(
            session,
            settings=manual_settings,
            account_id=tokens["account_id"],
            charged=charge,
            currency="EUR",
            provider="manual",
            country="FR",
        ).number
    db.dispose()
    refund = ("billing", "refund", "--invoice", number, "--amount", "549")
    key = ("--key", f"cli-{uuid.uuid4().hex}")
    first = marquee(*refund, "--reason", "late activation", *key)
    again = marquee(*refund, *key)
    note = first.split()[0]
    assert note.startswith("INV-CN-")
    assert "refunded: 5.49 EUR" in first
    assert again == f"{note} already refunded with this key: 5.49 EUR"
    listed = {
        doc["number"]: doc for doc in manual_client.get(INVOICES, headers=bearer(tokens)).json()
    }
    assert listed[number]["refunded"] == 549
    assert (listed[note]["reason"], listed[note]["lines"][0]["tax"]) == ("late activation", 91)


def test_invoices_issued_at_once_take_consecutive_numbers(
    manual_client: TestClient, manual_settings: Settings
) -> None:
    account = signup(manual_client)["account_id"]
    db = Database(manual_settings.resolved_database_url)

    def issue(_: int) -> str:
        with db.transaction() as session:
            return invoices.issue(
                session,
                settings=manual_settings,
                account_id=account,
                charged=[("Basic plan", 799)],
                currency="USD",
                provider="manual",
            ).number

    try:
        issue(0)  # the series exists (a new series' first two at once may deadlock on MariaDB)
        with ThreadPoolExecutor(max_workers=4) as pool:
            numbers = sorted(pool.map(issue, range(12)), key=sequence)
    finally:
        db.dispose()
    first = sequence(numbers[0])
    assert [sequence(number) for number in numbers] == list(range(first, first + 12))
