"""API errors as RFC 9457 problem details (``application/problem+json``).

Every error answer has a stable ``type`` (``/problems/<slug>``) that clients can branch on, a
short ``title``, the HTTP ``status``, a ``detail`` a person can read, and the request id.
Domains raise :class:`Problem` (or a subclass) from their services; the handlers here turn
it, and FastAPI's own errors, into that shape.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from marquee.kit.telemetry import request_id_var

log = logging.getLogger(__name__)
PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_SCHEMA_REF = "#/components/schemas/Problem"
#: The shape of every problem document, as the OpenAPI document shows it.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem document; ``type`` is stable: ``/problems/<slug>``.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "title": "Type", "examples": ["/problems/not-found"]},
        "title": {"type": "string", "title": "Title"},
        "status": {"type": "integer", "title": "Status"},
        "detail": {"type": "string", "title": "Detail"},
        "request_id": {"type": "string", "title": "Request Id"},
    },
    "required": ["type", "title", "status", "detail", "request_id"],
    "additionalProperties": True,
}


class Problem(Exception):
    """An error the client can act on. Subclasses set ``slug`` and ``status``."""

    slug = "bad-request"
    status = 400

    def __init__(
        self,
        detail: str,
        *,
        slug: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.slug = slug or self.slug
        self.status = status or self.status
        self.headers = headers or {}
        self.extra = extra


class NotFound(Problem):
    slug = "not-found"
    status = 404


class Conflict(Problem):
    slug = "conflict"
    status = 409


class Unauthorized(Problem):
    slug = "unauthorized"
    status = 401


class Forbidden(Problem):
    slug = "forbidden"
    status = 403


class TooManyRequests(Problem):
    slug = "too-many-requests"
    status = 429


def problem_type(slug: str) -> str:
    return f"/problems/{slug}"


def problem_response(
    status: int,
    slug: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": problem_type(slug),
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "request_id": request_id_var.get(),
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


_STATUS_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "too-many-requests",
}


async def _on_problem(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(exc.status, exc.slug, exc.detail, headers=exc.headers, **exc.extra)


async def _on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = _STATUS_SLUGS.get(exc.status_code, "http-error")
    headers = dict(exc.headers) if exc.headers else None
    return problem_response(exc.status_code, slug, str(exc.detail), headers=headers)


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    return problem_response(422, "validation-error", "The request is not valid.", errors=errors)


async def _on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem_response(500, "internal-error", "Something went wrong on our side.")


def install_error_handlers(app: FastAPI) -> None:
    """The handlers, and the ``Problem`` schema in the OpenAPI document (``kit.web.problems``)."""
    build_document = app.openapi

    def openapi() -> dict[str, Any]:
        document = build_document()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("Problem", PROBLEM_SCHEMA)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(Exception, _on_unexpected)
