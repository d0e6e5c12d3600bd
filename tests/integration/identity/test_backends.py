"""The account life cycle on every database backend (JSON columns, cascades, unique emails)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from marquee.app import create_app
from marquee.settings import load_settings
from tests.integration.identity.conftest import PASSWORD, bearer, new_email, signup


def test_account_life_cycle(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "var", database_url=database_url, env="test")
    with TestClient(create_app(settings)) as client:
        email = new_email()
        tokens = signup(client, email)
        assert (
            client.post(
                "/api/v1/profiles", json={"name": "Kid", "maturity": "kids"}, headers=bearer(tokens)
            ).status_code
            == 201
        )
        assert (
            client.put(
                "/api/v1/account/subscription", json={"plan_id": "premium"}, headers=bearer(tokens)
            ).status_code
            == 200
        )
        assert client.get("/api/v1/plans").json()[2]["prices"]["USD"] > 0
        deleted = client.request(
            "DELETE", "/api/v1/account", json={"password": PASSWORD}, headers=bearer(tokens)
        )
        assert deleted.status_code == 204
        again = signup(client, email)
        assert len(client.get("/api/v1/profiles", headers=bearer(again)).json()) == 1
        account = client.get("/api/v1/account", headers=bearer(again)).json()
        assert account["subscription"] is None
