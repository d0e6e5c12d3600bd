"""``create_app(settings)``: the HTTP application. Backends are connected in the lifespan."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope

from marquee import __version__, health
from marquee.api import API_PREFIX, build_api_router
from marquee.kit.body_limit import BodyLimitMiddleware, LargerBody
from marquee.kit.errors import install_error_handlers
from marquee.kit.security_headers import SecurityHeadersMiddleware, security_headers
from marquee.kit.telemetry import TelemetryMiddleware, metrics_response
from marquee.runtime import Platform, build_platform
from marquee.settings import Settings

WEB_ROOT = Path(__file__).parent / "web"
UNBUILT_PAGE = Path(__file__).parent / "unbuilt.html"
HASHED_ASSET = re.compile(r"-[A-Z0-9]{8}\.(js|css)$")
NOT_WEB_APP = ("api/", "t/")
#: Swagger UI, served only when ``MARQUEE_API_DOCS`` is on: FastAPI's page loads it from a CDN.
DOCS_URL = "/api/docs"
#: What a multipart form may add to the file it carries (boundaries, part headers, fields).
FORM_OVERHEAD_BYTES = 64 * 1024


class SinglePageApp(StaticFiles):
    """The built web app (`make web`).

    A path that is not a file answers ``index.html`` so a deep link (``/title/…``) opens in the
    SPA, whose router shows it; API and delivery paths and names with an extension keep their
    404. Hashed bundles are cached for a year; everything else is revalidated, so a new build
    reaches viewers at their next visit.
    """

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as error:
            if error.status_code != 404 or not self._is_app_route(path):
                raise
            response = await super().get_response("index.html", scope)
        immutable = HASHED_ASSET.search(path) is not None
        response.headers["Cache-Control"] = (
            "public, max-age=31536000, immutable" if immutable else "no-cache"
        )
        return response

    @staticmethod
    def _is_app_route(path: str) -> bool:
        return not path.startswith(NOT_WEB_APP) and "." not in path.rsplit("/", 1)[-1]


def create_app(
    settings: Settings,
    *,
    platform: Platform | None = None,
    run_workers: bool = False,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The API, health, metrics and the web app.

    With ``platform`` given (tests, ``marquee serve``) the app uses it and leaves its lifetime
    to the caller; otherwise the lifespan builds one from ``settings`` and stops it at shutdown.
    ``routers`` add routes of a command's own (``marquee demo``'s status), ahead of the web app.
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
        docs_url=DOCS_URL if settings.api_docs else None,
        redoc_url=None,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware, default=settings.max_json_body_bytes, larger=larger_bodies(settings)
    )
    app.add_middleware(TelemetryMiddleware)  # request ids and metrics for all answers
    app.add_middleware(  # outermost: every answer carries them
        SecurityHeadersMiddleware,
        headers=security_headers(
            edge_urls=[str(edge.get("url", "")) for edge in settings.delivery_edges],
            public_url=settings.public_url,
        ),
        exempt=[DOCS_URL] if settings.api_docs else [],
    )
    app.include_router(health.router)
    app.add_route("/metrics", metrics_response, include_in_schema=False)
    app.include_router(build_api_router())
    for router in routers:
        app.include_router(router)
    if (WEB_ROOT / "index.html").exists():
        app.mount("/", SinglePageApp(directory=WEB_ROOT, html=True), name="web")
    else:
        app.add_route("/", _unbuilt_page, include_in_schema=False)
    return app


def larger_bodies(settings: Settings) -> tuple[LargerBody, ...]:
    """The routes whose bodies may pass ``max_json_body_bytes``: uploads."""
    studio = f"{API_PREFIX}/studio"
    return (
        LargerBody("PATCH", f"{studio}/uploads/[^/]+", settings.catalog_upload_chunk_max_bytes),
        LargerBody(
            "POST",
            f"{studio}/titles/[^/]+/artwork",
            settings.catalog_artwork_max_bytes + FORM_OVERHEAD_BYTES,
        ),
    )


async def _unbuilt_page(_: object) -> HTMLResponse:
    return HTMLResponse(UNBUILT_PAGE.read_text())
