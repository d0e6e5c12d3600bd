"""A TOTP code signs in once, whatever the cache holds: the last used time step is a column of
the account, moved on by one conditional UPDATE. On every database backend."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marquee.app import create_app
from marquee.identity import mfa
from marquee.identity.context import Identity
from marquee.identity.errors import WrongCode
from marquee.identity.models import Account
from marquee.identity.schemas import MfaLogin
from marquee.identity.service import second_factor
from marquee.kit.cache import MemoryCache
from marquee.settings import Settings, load_settings
from tests.integration.identity.conftest import new_email, signup
from tests.integration.identity.test_sessions import enable_totp, login

MFA_URL = "/api/v1/auth/login/mfa"


@pytest.fixture
def totp_settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "var", database_url=database_url, env="test")


def test_a_used_totp_code_stays_used_after_the_cache_is_emptied(totp_settings: Settings) -> None:
    with TestClient(create_app(totp_settings)) as client:
        cache = client.app.state.platform.cache  # type: ignore[attr-defined]
        email = new_email()
        totp, _ = enable_totp(client, signup(client, email))
        code = totp.now()
        first = {"mfa_token": login(client, email).json()["mfa_token"], "code": code}
        assert client.post(MFA_URL, json=first).status_code == 200

        cache.delete_prefix("")

        again = {"mfa_token": login(client, email).json()["mfa_token"], "code": code}
        replayed = client.post(MFA_URL, json=again)
        assert replayed.status_code == 401
        assert replayed.json()["type"] == "/problems/wrong-code"


class MarkForgettingCache(MemoryCache):
    """Keeps the sign-in steps but is flushed right after every one-time mark: no ``add`` is
    ever refused."""

    def add(self, key: str, value: bytes | str, *, ttl_s: float | None = None) -> bool:
        return True


def test_one_totp_code_used_twice_at_once_signs_in_once(
    totp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(create_app(totp_settings)) as client:
        platform = client.app.state.platform  # type: ignore[attr-defined]
        tokens = signup(client)
        totp, _ = enable_totp(client, tokens)
        ident = Identity.build(totp_settings, MarkForgettingCache(), platform.db.sessions)
        challenges = [second_factor.challenge(ident, tokens["account_id"]) for _ in range(2)]
        both_matched = threading.Barrier(2, timeout=30)
        matching_step = mfa.matching_step

        def match_together(secret: str, code: str) -> int | None:
            step = matching_step(secret, code)
            both_matched.wait()  # both uses checked the code before either spends it
            return step

        monkeypatch.setattr(mfa, "matching_step", match_together)
        code = totp.now()

        def use(mfa_token: str) -> str:
            try:
                with platform.db.transaction() as session:
                    form = MfaLogin(mfa_token=mfa_token, code=code)
                    return second_factor.redeem(session, ident, form).id
            except WrongCode:
                return "refused"

        with ThreadPoolExecutor(2) as pool:
            answers = sorted(pool.map(use, [c.mfa_token for c in challenges]))

        assert answers == sorted([tokens["account_id"], "refused"])
        with platform.db.sessions() as session:
            account = session.get(Account, tokens["account_id"])
            assert account is not None
            assert account.totp_last_step is not None
