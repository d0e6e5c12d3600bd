"""Analytics' per-member figures that experiments compare (``analytics.service.member_metrics``),
on lake rows whose figures are known: by profile and by account."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from marquee.analytics import service as analytics
from tests.integration.analytics.conftest import World

DAY = datetime(2026, 11, 3, 20, tzinfo=UTC)


def _rows(world: World, account: str, profile: str) -> list[dict[str, Any]]:
    """Two sessions on two days: one watched to 95% with 30 min played, a 0.8 s startup and a
    6 s stall; one of 5 minutes' heartbeats only, stopped early."""
    names = analytics.pseudonyms(world.platform.settings)
    who = {"viewer": names.of(account), "profile": names.of(profile)}
    first, second = uuid.uuid4().hex, uuid.uuid4().hex

    def row(kind: str, session: str, at: datetime, **fields: Any) -> dict[str, Any]:
        return (
            {"id": uuid.uuid4().hex, "kind": kind, "at": at, "session_id": session} | who | fields
        )

    later = DAY + timedelta(days=1)
    return [
        row("session_started", first, DAY),
        row("startup", first, DAY, startup_ms=800.0, duration_s=3600.0),
        row("sample", first, DAY, played_ms=1_800_000.0, duration_s=3600.0),
        row("stall_end", first, DAY, stall_ms=6000.0, duration_s=3600.0),
        row("session_ended", first, DAY, position_s=3420.0, duration_s=3600.0),
        row("session_started", second, later),
        *(row("heartbeat", second, later, state="playing", position_s=60.0) for _ in range(30)),
    ]


@pytest.mark.parametrize("unit", ["profile", "account"])
def test_each_member_has_its_six_figures(world: World, unit: str) -> None:
    account, profile = uuid.uuid4().hex, uuid.uuid4().hex
    analytics.write_rows(world.platform, _rows(world, account, profile))
    member = profile if unit == "profile" else account
    idle = uuid.uuid4().hex
    found = analytics.member_metrics(
        world.platform,
        unit=unit,
        ids=[member, idle],
        first=DAY.date(),
        last=DAY.date() + timedelta(days=1),
    )
    assert set(found) == {member}
    figures = found[member]
    assert figures["plays_per_member"] == 2
    assert figures["viewing_hours_per_member"] == pytest.approx(0.5 + 300 / 3600)
    assert figures["completion_rate"] == pytest.approx(1.0)
    assert figures["startup_ms"] == pytest.approx(800.0)
    assert figures["rebuffer_ratio"] == pytest.approx(6000 / (6000 + 1_800_000))
    assert figures["active_days"] == 2


def test_days_outside_the_period_are_not_counted(world: World) -> None:
    account, profile = uuid.uuid4().hex, uuid.uuid4().hex
    analytics.write_rows(world.platform, _rows(world, account, profile))
    found = analytics.member_metrics(
        world.platform, unit="profile", ids=[profile], first=DAY.date(), last=DAY.date()
    )
    assert found[profile]["plays_per_member"] == 1
    assert found[profile]["active_days"] == 1
