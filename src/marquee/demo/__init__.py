"""``marquee demo``: a demo catalog, generated media and accounts seeded through the services."""

from marquee.demo.seed import ADMIN, VIEWER, Credentials, DemoError, DemoSeed, is_seeded, seed

__all__ = ["ADMIN", "VIEWER", "Credentials", "DemoError", "DemoSeed", "is_seeded", "seed"]
