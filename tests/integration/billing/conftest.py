"""Billing API fixtures: identity's (an app with cheap argon2, helpers to sign up)."""

from __future__ import annotations

from tests.integration.identity.conftest import client, identity_settings

__all__ = ["client", "identity_settings"]
