"""The business report from identity's and billing's events: sign-ups, active subscriptions
by plan, MRR and churn."""

from __future__ import annotations

from datetime import UTC, datetime

from marquee.billing import service as billing
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
