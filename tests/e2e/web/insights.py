"""Reading the analytics reports through the API in browser tests: as the demo admin, and
waiting for what a player sent to reach the lake (the server's relay hands events on shortly
after they commit; a test in another process cannot drain it, so it asks again)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.e2e import browser as e2e

#: How long events may take from the player to a report (relay, lake consumer, DuckDB).
LAKE_TIMEOUT_S = 90.0
Row = dict[str, Any]


def today() -> str:
    """Reports count UTC days."""
    return datetime.now(UTC).date().isoformat()


def admin_headers(platform: e2e.Served) -> dict[str, str]:
    admin = platform.catalog.admin
    return e2e.log_in(platform.base, admin.email, admin.password)


def report_rows(
    platform: e2e.Served, headers: dict[str, str], name: str, **query: str
) -> list[Row]:
    """The rows of report ``name`` for today with ``query`` (``group_by``, ``title_id``…)."""
    params = {"from": today(), "to": today(), **query}
    answer = httpx.get(
        f"{platform.base}/api/v1/analytics/reports/{name}",
        params=params,
        headers=headers,
        timeout=30,
    )
    answer.raise_for_status()
    rows: list[Row] = answer.json()["rows"]
    return rows


def wait_for(read: Callable[[], Any], done: Callable[[Any], bool]) -> Any:
    """``read()`` again every second until ``done`` says its answer is in, or the lake's
    timeout passes; the last answer either way (the caller's assertions say what is wrong)."""
    deadline = time.monotonic() + LAKE_TIMEOUT_S
    answer = read()
    while not done(answer) and time.monotonic() < deadline:
        time.sleep(1)
        answer = read()
    return answer


def make_analyst(platform: e2e.Served) -> e2e.Viewer:
    """A new account given the ``analyst`` role by the demo admin."""
    analyst = e2e.new_viewer(platform.base)
    answer = httpx.put(
        f"{platform.base}/api/v1/admin/accounts/{analyst.account_id}/role",
        json={"role": "analyst"},
        headers=admin_headers(platform),
        timeout=30,
    )
    answer.raise_for_status()
    return analyst
