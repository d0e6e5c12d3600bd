"""Cache: an in-process TTL cache (embedded default) or Redis. Values are bytes or str."""

from __future__ import annotations

from typing import Protocol


class Cache(Protocol):
    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes | str, *, ttl_s: float | None = None) -> None: ...

    def add(self, key: str, value: bytes | str, *, ttl_s: float | None = None) -> bool:
        """Set only if absent; True when this call set it (a lock or a once-only marker)."""

    def incr(self, key: str, amount: int = 1, *, ttl_s: float | None = None) -> int:
        """Add to a counter (created at 0); ``ttl_s`` applies when the counter is created."""

    def ttl(self, key: str) -> float | None:
        """Seconds left, None when the key has no expiry or does not exist."""

    def delete(self, *keys: str) -> None: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def ping(self) -> None:
        """Raise if the cache cannot be reached."""

    def close(self) -> None: ...


def open_cache(url: str) -> Cache:
    """The cache for ``memory://`` or ``redis://host:port/db``."""
    raise NotImplementedError
