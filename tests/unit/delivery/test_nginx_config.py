from __future__ import annotations

from pathlib import Path

import pytest

from marquee.delivery.nginx import NginxEdgeConfig, render
from marquee.delivery.tokens import SAFE_PATH_PATTERN, TOKEN_PATTERN, KeyRing

KEYS = KeyRing({"k1": "a" * 32, "k2": "b" * 32}, current="k2")


def test_the_config_checks_every_key_and_caches_by_object() -> None:
    config = NginxEdgeConfig(
        "http://origin:8000/api/v1/delivery", Path("/c"), 10 * 1024**3, Path("/r"), "eu"
    )
    text = render(config, KEYS)
    assert f'"k1" "{"a" * 32}";' in text
    assert f'"k2" "{"b" * 32}";' in text
    assert TOKEN_PATTERN in text
    assert "max_size=10485760k" in text
    assert "proxy_cache_lock on;" in text
    assert "proxy_pass http://marquee_origin/api/v1/delivery$uri;" in text
    assert "access_log /r/access.log marquee_edge buffer=64k flush=1s;" in text
    assert "proxy_pass http://127.0.0.1:9145;" in text
    assert "proxy_temp_file_write_size 256k;" in text
    assert "merge_slashes off;" in text
    assert "allow 127.0.0.0/8;\n            allow ::1/128;\n            deny all;" in text
    assert f'if ($uri !~ "{SAFE_PATH_PATTERN}")' in text
    assert "include /r/revoked.map;" in text  # the revoked sessions, kept by nginx-metrics
    assert "if ($session_revoked) { return 403" in text


def test_the_origin_must_be_a_url() -> None:
    with pytest.raises(ValueError, match="--origin"):
        render(NginxEdgeConfig("origin:8000", Path("/c"), 1, Path("/r")), KEYS)
