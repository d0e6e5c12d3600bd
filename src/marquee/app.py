"""``create_app(settings)``: the HTTP application. Backends are connected in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from marquee import __version__, health
from marquee.api import build_api_router
from marquee.kit.errors import install_error_handlers
from marquee.kit.telemetry import TelemetryMiddleware, metrics_response
from marquee.runtime import Platform, build_platform
from marquee.settings import Settings

WEB_ROOT = Path(__file__).parent / "web"


def create_app(
    settings: Settings, *, platform: Platform | None = None, run_workers: bool = False
) -> FastAPI:
    """The API, health, metrics and the web app.

    With ``platform`` given (tests, ``marquee serve``) the app uses it and leaves its lifetime
    to the caller; otherwise the lifespan builds one from ``settings`` and stops it at shutdown.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if platform is not None:
            app.state.platform = platform
            yield
            return
        owned = build_platform(settings)
        owned.start(worker=run_workers)
        app.state.platform = owned
        try:
            yield
        finally:
            owned.stop()

    app = FastAPI(
        title="Marquee",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(TelemetryMiddleware)
    app.include_router(health.router)
    app.add_route("/metrics", metrics_response, include_in_schema=False)
    app.include_router(build_api_router())
    if (WEB_ROOT / "index.html").exists():
        app.mount("/", StaticFiles(directory=WEB_ROOT, html=True), name="web")
    return app
