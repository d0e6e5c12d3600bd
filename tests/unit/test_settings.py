from pathlib import Path

import pytest

from marquee.settings import SettingsError, load_settings


def test_defaults_are_embedded_and_under_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/marquee.db"
    assert settings.resolved_storage_url == f"file://{tmp_path.resolve()}/objects"
    assert settings.resolved_queue_url.startswith("sqlite:///")
    assert settings.cache_url == "memory://"


def test_settings_come_from_marquee_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARQUEE_CACHE_URL", "redis://127.0.0.1:6379/3")
    assert load_settings().cache_url == "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("MARQUEE_DATABASE_URL", "oracle://x", "MARQUEE_DATABASE_URL: scheme 'oracle'"),
        ("MARQUEE_STORAGE_URL", "ftp://host/dir", "MARQUEE_STORAGE_URL: scheme 'ftp'"),
        ("MARQUEE_CACHE_URL", "memcached://h", "MARQUEE_CACHE_URL: scheme 'memcached'"),
        ("MARQUEE_QUEUE_URL", "kafka://h", "MARQUEE_QUEUE_URL: scheme 'kafka'"),
        ("MARQUEE_ENV", "staging", "MARQUEE_ENV:"),
        ("MARQUEE_LOG_JSON", "maybe", "MARQUEE_LOG_JSON:"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_production_requires_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARQUEE_ENV", "production")
    with pytest.raises(SettingsError, match="MARQUEE_SECRET_KEY: required"):
        load_settings()
    monkeypatch.setenv("MARQUEE_SECRET_KEY", "x" * 40)
    assert load_settings().secret() == b"x" * 40


def test_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings(data_dir=tmp_path).secret()
    again = load_settings(data_dir=tmp_path).secret()
    assert first == again
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
