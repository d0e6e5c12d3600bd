from pathlib import Path

import pytest

from marquee.cli.serving import with_listening_url
from marquee.settings import load_settings

ALL_INTERFACES = "0.0.0.0"  # noqa: S104


def test_links_handed_to_clients_name_the_port_the_server_listens_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MARQUEE_PUBLIC_URL", raising=False)
    settings = with_listening_url(load_settings(data_dir=tmp_path), ALL_INTERFACES, 8200)
    assert settings.public_url == "http://127.0.0.1:8200"


def test_a_configured_public_url_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARQUEE_PUBLIC_URL", "https://tv.example.com")
    settings = with_listening_url(load_settings(data_dir=tmp_path), ALL_INTERFACES, 8200)
    assert settings.public_url == "https://tv.example.com"
