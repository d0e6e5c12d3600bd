"""Analytics' problems; each slug is part of the API contract (``/problems/<slug>``)."""

from __future__ import annotations

from marquee.kit.errors import NotFound, Problem, TooManyRequests


class TooManyEvents(Problem):
    slug = "too-many-events"
    status = 413

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"A batch may carry {limit} telemetry events at most, not {count}.")


class TelemetryRateLimited(TooManyRequests):
    slug = "telemetry-rate-limited"

    def __init__(self, retry_after_s: float) -> None:
        seconds = max(1, round(retry_after_s))
        super().__init__(
            f"This session sent too many telemetry batches; try again in {seconds} s.",
            headers={"Retry-After": str(seconds)},
        )


class UnknownReport(NotFound):
    slug = "unknown-report"

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"There is no report {name!r}; the reports are {', '.join(known)}.")


class BadReportQuery(Problem):
    slug = "bad-report-query"
    status = 400
