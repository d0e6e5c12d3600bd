"""kit.body_limit: 413 before a byte of an over-long body is read (issue 19, item 4)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from marquee.kit.body_limit import BodyLimitMiddleware, LargerBody

LIMIT = 1000


class ReadingApp:
    """Reads the whole body, then answers 200 with its length."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await Request(scope, receive).body()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(body)).encode()})


def call(
    chunks: list[bytes], *, length: int | None, method: str = "POST", path: str = "/api/v1/x"
) -> tuple[dict[str, Any], int]:
    """The answer (status, headers, body) and how many chunks the client was asked for."""
    pulled = 0
    pending = list(chunks)

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        chunk = pending.pop(0) if pending else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [] if length is None else [(b"content-length", str(length).encode())]
    scope = {"type": "http", "method": method, "path": path, "headers": headers}
    larger = [LargerBody("PATCH", "/api/v1/uploads/[^/]+", 10 * LIMIT)]
    app = BodyLimitMiddleware(ReadingApp(), default=LIMIT, larger=larger)
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return {"status": start["status"], "headers": dict(start["headers"]), "body": body}, pulled


def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    answer, pulled = call([b"x" * 200_000_000], length=200_000_000)
    assert answer["status"] == 413
    assert answer["headers"][b"content-type"] == b"application/problem+json"
    assert json.loads(answer["body"])["type"] == "/problems/payload-too-large"
    assert pulled == 0


def test_a_chunked_body_is_read_up_to_the_limit_only() -> None:
    answer, pulled = call([b"x" * 600] * 1000, length=None)
    assert answer["status"] == 413
    assert json.loads(answer["body"])["type"] == "/problems/payload-too-large"
    assert pulled == 2


def test_bodies_within_the_limit_pass() -> None:
    answer, _ = call([b"x" * 500, b"x" * 500], length=None)
    assert (answer["status"], answer["body"]) == (200, b"1000")
    answer, _ = call([b"x" * LIMIT], length=LIMIT)
    assert answer["status"] == 200


def test_uploads_have_their_own_larger_limit() -> None:
    answer, _ = call([b"x" * 5000], length=5000, method="PATCH", path="/api/v1/uploads/abc")
    assert answer["status"] == 200
    answer, _ = call([b"x" * 5000], length=5000, method="POST", path="/api/v1/uploads/abc")
    assert answer["status"] == 413
    answer, pulled = call([b"x"] * 20_000, length=20_000, method="PATCH", path="/api/v1/uploads/a")
    assert (answer["status"], pulled) == (413, 0)
