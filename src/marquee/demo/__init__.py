"""``marquee demo``: a demo catalog, generated media and accounts seeded through the services."""

from marquee.demo.accounts import ADMIN, VIEWER, Credentials
from marquee.demo.seed import (
    DemoError,
    DemoSeed,
    DemoStatus,
    is_seeded,
    make_media,
    prepare,
    seed,
    status,
)

__all__ = [
    "ADMIN",
    "VIEWER",
    "Credentials",
    "DemoError",
    "DemoSeed",
    "DemoStatus",
    "is_seeded",
    "make_media",
    "prepare",
    "seed",
    "status",
]
