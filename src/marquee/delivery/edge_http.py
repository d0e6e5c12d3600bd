"""The Python edge's HTTP/1.1 wire: a client connection whose requests httptools parses and
the edge answers in order, small in-memory replies (errors as problem documents, health,
metrics, 304, 416) and the response head every answer starts with."""

from __future__ import annotations

import asyncio
import json
import socket
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING

import httptools

from marquee.delivery.headers import CORS_HEADERS

if TYPE_CHECKING:
    from marquee.delivery.edge import Edge

SERVER = b"marquee-edge"


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    keep_alive: bool


@dataclass
class Reply:
    """A small in-memory response (errors, health, metrics, 304, 416)."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "application/problem+json"


def problem(status: int, slug: str, detail: str) -> Reply:
    body = {"type": f"/problems/{slug}", "title": HTTPStatus(status).phrase, "status": status}
    return Reply(status, json.dumps({**body, "detail": detail}).encode())


def head_bytes(status: int, headers: list[tuple[str, str]], keep_alive: bool) -> bytes:
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", "Server: marquee-edge"]
    lines += [f"{name}: {value}" for name, value in (*CORS_HEADERS, *headers)]
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def send_reply(transport: asyncio.Transport, request: Request, reply: Reply) -> None:
    headers = list(reply.headers)
    if reply.content_type:
        headers.append(("Content-Type", reply.content_type))
    if reply.status != 304:
        headers.append(("Content-Length", str(len(reply.body))))
    body = b"" if request.method == "HEAD" or reply.status == 304 else reply.body
    transport.write(head_bytes(reply.status, headers, request.keep_alive) + body)
    if not request.keep_alive:
        transport.close()


class Connection(asyncio.Protocol):
    """One client connection: httptools parses, requests are answered in order."""

    def __init__(self, edge: Edge) -> None:
        self.edge = edge
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.pending: deque[Request] = deque()
        self.url = b""
        self.headers: dict[str, str] = {}
        self.worker: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.edge.connections.add(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            assert self.transport is not None
            bad = Request("GET", "", {}, keep_alive=False)
            send_reply(self.transport, bad, problem(400, "bad-request", "Malformed HTTP request."))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.edge.connections.discard(self.transport)
        if self.worker is not None:
            self.worker.cancel()

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.url, self.headers = b"", {}

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_message_complete(self) -> None:
        path = httptools.parse_url(self.url).path.decode("latin-1")
        method = self.parser.get_method().decode("latin-1")
        self.pending.append(Request(method, path, self.headers, self.parser.should_keep_alive()))
        if self.worker is None or self.worker.done():
            self.worker = asyncio.create_task(self._answer())

    async def _answer(self) -> None:
        while self.pending and self.transport is not None and not self.transport.is_closing():
            await self.edge.respond(self.pending.popleft(), self.transport)
