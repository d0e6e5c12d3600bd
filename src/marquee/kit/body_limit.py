"""Request bodies have a size limit, checked before they are read.

:class:`BodyLimitMiddleware` answers ``413`` (problem+json ``payload-too-large``) to a request
whose ``Content-Length`` is over its route's limit without reading a byte of the body; a body
sent without a length (chunked) is counted as the application reads it, and reading stops at
the limit with the same answer. The limit is the default (JSON bodies, forms, licence requests)
unless a :class:`LargerBody` rule names the route: uploads have their own, larger limits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marquee.kit.errors import problem_response


@dataclass(frozen=True)
class LargerBody:
    """Requests of ``method`` whose whole path matches ``path`` may send ``max_bytes``."""

    method: str
    path: str
    max_bytes: int

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and re.fullmatch(self.path, path) is not None


class BodyTooLarge(HTTPException):
    """Raised by the counting ``receive`` when a body without a length passes its limit: the
    app's reader (FastAPI's body parsing, a streaming handler) stops there, and the app's
    error handlers answer 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is limited to {limit} bytes.")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, default: int, larger: Sequence[LargerBody] = ()) -> None:
        self.app = app
        self.default = default
        self.larger = tuple(larger)

    def limit(self, method: str, path: str) -> int:
        for rule in self.larger:
            if rule.matches(method, path):
                return rule.max_bytes
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["method"], scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            # Only where the app let it through (a reader outside its error handlers).
            if started:
                raise
            await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            413,
            "payload-too-large",
            f"The request body is limited to {limit} bytes.",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
