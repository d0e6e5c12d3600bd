"""Filling the edge's disk cache from the origin: one fetch per object however many clients
wait for it, streamed to a temporary file, fsynced and admitted with the origin's
Last-Modified."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from email.utils import parsedate_to_datetime
from typing import BinaryIO

import httpx

from marquee.delivery.cache import DiskCache
from marquee.delivery.metrics import EdgeMetrics

log = logging.getLogger(__name__)
ORIGIN_TIMEOUT = httpx.Timeout(10.0, connect=2.0)
#: The most of an origin's refusal (a problem document) passed on to the client.
REFUSAL_BODY_LIMIT = 16 * 1024


class OriginError(Exception):
    """The origin could not give the object (down, timed out, or an unexpected answer)."""


class OriginRefused(Exception):
    """The origin answered the fill with a client error (404: no such object; 403: it refused
    the token), which the edge passes on as it came, unstored."""

    def __init__(self, status: int, body: bytes, content_type: str) -> None:
        super().__init__(f"origin answered {status}")
        self.status = status
        self.body = body
        self.content_type = content_type


class Origin:
    """The origin behind one edge, and the fills under way from it."""

    def __init__(self, url: str, cache: DiskCache, metrics: EdgeMetrics) -> None:
        self.cache = cache
        self.metrics = metrics
        self._origin = url.rstrip("/")
        self._fills: dict[str, asyncio.Task[None]] = {}
        self._client: httpx.AsyncClient | None = None

    def open(self) -> None:
        self._client = httpx.AsyncClient(timeout=ORIGIN_TIMEOUT)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def fill(self, key: str, path: str) -> None:
        """Fetch ``key`` from the origin unless a fetch of it is already under way; wait for it."""
        task = self._fills.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch(key, path))
            self._fills[key] = task
            task.add_done_callback(lambda _: self._fills.pop(key, None))
        await asyncio.shield(task)

    async def _fetch(self, key: str, path: str) -> None:
        started = time.perf_counter()
        temp, out = self.cache.temp_file()
        try:
            with out:
                modified = await self._download(path, out)
            if os.stat(temp).st_size > self.cache.capacity:
                raise OriginError(f"{key} is larger than the whole edge cache")
            if modified is not None:
                os.utime(temp, (modified, modified))
            self.cache.admit(key, temp)
        except OriginError as exc:
            self.metrics.origin_errors.inc()
            log.error("edge fill of %s failed: %s", key, exc)
            raise
        finally:
            temp.unlink(missing_ok=True)
        self.metrics.fill_seconds.observe(time.perf_counter() - started)

    async def _download(self, path: str, out: BinaryIO) -> float | None:
        """Stream the object into ``out``; its Last-Modified as a timestamp, when given."""
        assert self._client is not None
        try:
            async with self._client.stream("GET", f"{self._origin}{path}") as response:
                if 400 <= response.status_code < 500:
                    raise await _refusal(response)
                if response.status_code != 200:
                    raise OriginError(f"origin answered {response.status_code}")
                async for chunk in response.aiter_raw():
                    out.write(chunk)
                modified = response.headers.get("last-modified")
        except httpx.HTTPError as exc:
            raise OriginError(f"{type(exc).__name__}: {exc}") from exc
        await asyncio.to_thread(os.fsync, out.fileno())
        return parsedate_to_datetime(modified).timestamp() if modified else None


async def _refusal(response: httpx.Response) -> OriginRefused:
    body = b""
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= REFUSAL_BODY_LIMIT:
            break
    kind = response.headers.get("content-type", "application/problem+json")
    return OriginRefused(response.status_code, body[:REFUSAL_BODY_LIMIT], kind)
