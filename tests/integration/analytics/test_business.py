"""The business report from identity's and billing's events: sign-ups, active subscriptions
by plan, MRR, churn, revenue and trial conversion; viewing by plan; licence windows ending in
the content report."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from marquee.analytics.subscribers import lake_writer
from marquee.billing import service as billing
from marquee.billing.events import (
    INVOICE_FAILED,
    INVOICE_PAID,
    SUBSCRIPTION_CANCELED,
    SUBSCRIPTION_CHANGED,
    SUBSCRIPTION_RENEWED,
    SUBSCRIPTION_STARTED,
    Revenue,
)
from marquee.kit.events import Event, EventType
from marquee.playback.events import SESSION_STARTED
from tests.integration.analytics.conftest import World


def test_signups_subscriptions_mrr_and_churn_by_plan(world: World) -> None:
    platform = world.platform
    stays, leaves, browses = world.caller(), world.caller(), world.caller()
    with platform.db.transaction() as session:
        prices = {plan.id: plan.prices for plan in billing.list_plans(session)}
        cheap, dear = sorted(prices, key=lambda plan: min(prices[plan].values()))[:2]
        for caller, plan in ((stays, cheap), (leaves, dear)):
            billing.set_subscription(
                session, settings=platform.settings, account_id=caller.account_id, plan_id=plan
            )
        billing.cancel_subscription(session, account_id=leaves.account_id)
    admin = world.caller("admin")
    world.relay()
    today = datetime.now(UTC).date().isoformat()
    url = f"/api/v1/analytics/reports/business?from={today}&to={today}"
    by_day = admin.call("GET", url).json()["rows"]
    assert [(row["day"], row["signups"]) for row in by_day] == [(today, 4)]
    assert by_day[0]["active_subscriptions"] == 2, "a cancelled plan runs to the period's end"
    by_plan = {row["plan"]: row for row in admin.call("GET", url + "&group_by=plan").json()["rows"]}
    assert by_plan[None]["signups"] == 4
    assert by_plan[cheap]["active_subscriptions"] == 1
    assert by_plan[cheap]["mrr"] == min(prices[cheap].items())[1] / 100
    assert by_plan[cheap]["churn_rate"] == 0
    assert by_plan[dear]["churn_rate"] == 1
    assert browses.account_id not in str(by_plan), "no account id reaches a report"


DAY = datetime(2026, 8, 14, tzinfo=UTC)


def _at(hour: int) -> str:
    return (DAY + timedelta(hours=hour)).isoformat()


def _money(event: EventType[Revenue], account: str, plan: str, amount: int, hour: int) -> Event:
    payload = {"account_id": account, "plan_id": plan, "amount": amount, "currency": "EUR"}
    return Event(event.name, payload | {"provider": "stripe", "at": _at(hour)})


def _state(account: str, plan: str, status: str, hour: int) -> Event:
    payload = {"account_id": account, "plan_id": plan, "status": status, "at": _at(hour)}
    return Event(SUBSCRIPTION_CHANGED.name, payload | {"prices": {"EUR": 999}})


def _play(account: str, hour: int) -> Event:
    facts = {"session_id": uuid.uuid4().hex, "account_id": account, "profile_id": f"{account}-p"}
    facts |= {"title_id": "t1", "episode_id": None, "territory": "FR", "at": _at(hour)}
    return Event(SESSION_STARTED.name, facts | {"asset_id": "a1", "device": "TV"})


def test_revenue_trial_conversion_and_viewing_by_plan_from_billings_events(world: World) -> None:
    converts, gives_up, fails, free = (uuid.uuid4().hex for _ in range(4))
    basic, premium = (f"plan-{uuid.uuid4().hex[:8]}" for _ in range(2))
    lake_writer(world.platform)(
        [
            _state(converts, basic, "trialing", 8),
            _money(SUBSCRIPTION_STARTED, converts, basic, 0, 8),
            _state(gives_up, basic, "trialing", 8),
            _state(gives_up, basic, "canceled", 9),
            _money(SUBSCRIPTION_CANCELED, gives_up, basic, 999, 9),
            _state(gives_up, basic, "expired", 20),
            _state(converts, basic, "active", 12),
            _money(SUBSCRIPTION_RENEWED, converts, basic, 999, 12),
            _money(INVOICE_PAID, converts, basic, 999, 12),
            _state(fails, premium, "active", 10),
            _money(SUBSCRIPTION_STARTED, fails, premium, 1999, 10),
            _money(INVOICE_PAID, fails, premium, 1999, 10),
            _money(INVOICE_FAILED, fails, premium, 1999, 15),
            _state(fails, premium, "past_due", 15),
            _play(converts, 7),
            _play(converts, 13),
            _play(gives_up, 21),
            _play(free, 13),
        ]
    )
    admin = world.caller("admin")
    url = "/api/v1/analytics/reports/{}?from=2026-08-14&to=2026-08-14&group_by=plan"
    by_plan = {row["plan"]: row for row in admin.call("GET", url.format("business")).json()["rows"]}
    assert by_plan[basic]["revenue"] == 9.99, "money received: paid invoices, not bookings"
    assert by_plan[basic]["trials_ended"] == 2
    assert by_plan[basic]["trial_conversion_rate"] == 0.5, "one trial paid, one expired"
    assert by_plan[basic]["active_subscriptions"] == 1
    assert (by_plan[premium]["revenue"], by_plan[premium]["payments_failed"]) == (19.99, 1)
    assert by_plan[premium]["trials_ended"] == 0
    viewing = admin.call("GET", url.format("viewing")).json()["rows"]
    assert {row["plan"]: row["plays"] for row in viewing} == {basic: 1, None: 3}, (
        "a play counts under the plan the viewer had when it started (none before the trial, "
        "none once it expired, none without a subscription)"
    )


def test_content_counts_licence_windows_ending_in_the_period(world: World) -> None:
    editor = world.caller("admin")
    created = editor.call(
        "POST",
        "/api/v1/studio/titles",
        json={
            "kind": "movie",
            "original_title": f"W {uuid.uuid4().hex}",
            "original_language": "en",
        },
    )
    title = created.json()["id"]
    for territories, ends in (
        (["FR"], "2026-08-20T18:00:00Z"),
        (["WORLD"], "2026-08-21T06:00:00Z"),
    ):
        window = {"territories": territories, "starts_at": "2026-01-01T00:00:00Z", "ends_at": ends}
        added = editor.call("POST", f"/api/v1/studio/titles/{title}/windows", json=window)
        assert added.status_code == 201, added.text
    url = f"/api/v1/analytics/reports/content?from=2026-08-20&to=2026-08-21&title_id={title}"
    by_day = editor.call("GET", url).json()["rows"]
    assert [(row["day"], row["windows_expiring"]) for row in by_day] == [
        ("2026-08-20", 1),
        ("2026-08-21", 1),
    ]
    in_japan = editor.call("GET", url + "&country=JP&group_by=title").json()["rows"]
    assert [(row["title_id"], row["windows_expiring"]) for row in in_japan] == [(title, 1)]
    before = editor.call(
        "GET", url.replace("2026-08-21", "2026-08-19").replace("2026-08-20", "2026-08-19")
    )
    assert before.json()["rows"] == [], "a window ending later is not counted"
