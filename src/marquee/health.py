"""Liveness (``/healthz``: the process answers); readiness (``/readyz``: every backend answers:
database, storage, cache, queue and the events bus)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from marquee.runtime import Platform

CHECK_TIMEOUT_S = 3.0
router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    platform: Platform = request.app.state.platform
    checks = {
        "database": platform.db.ping,
        "storage": platform.storage.ping,
        "cache": platform.cache.ping,
        "queue": platform.queue.ping,
        "events": platform.events.ping,
    }
    results = dict(
        zip(checks, await asyncio.gather(*(_check(fn) for fn in checks.values())), strict=True)
    )
    ready = all(r["ok"] for r in results.values())
    body = {"status": "ok" if ready else "unavailable", "checks": results}
    return JSONResponse(body, status_code=200 if ready else 503)


async def _check(ping: Callable[[], None]) -> dict[str, object]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(run_in_threadpool(ping), CHECK_TIMEOUT_S)
    except Exception as exc:
        reason = str(exc) or type(exc).__name__
        return {"ok": False, "error": reason[:300]}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
