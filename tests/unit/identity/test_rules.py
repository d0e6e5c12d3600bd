"""Identity's pure rules: language tags, password policy, device names, signed tokens."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.orm import sessionmaker

from marquee.identity.errors import RateLimited, TokenExpired, TokenInvalid, WeakPassword
from marquee.identity.limits import Limiter
from marquee.identity.mfa import seal, unseal
from marquee.identity.passwords import check_policy, common_passwords
from marquee.identity.schemas import language_tag
from marquee.identity.sessions import device_name
from marquee.identity.tokens import (
    Keys,
    email_token,
    issue_access_token,
    issue_refresh_token,
    read_access_token,
    read_email_token,
    read_refresh_token,
)
from marquee.kit.cache import MemoryCache

KEYS = Keys(b"k" * 48)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("en", "en"),
        ("PT-br", "pt-BR"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("sl-rozaj-biske", "sl-rozaj-biske"),
        ("de-DE-u-co-phonebk", "de-DE-u-co-phonebk"),
        ("en-x-netflix", "en-x-netflix"),
    ],
)
def test_language_tags_are_normalised(tag: str, expected: str) -> None:
    assert language_tag(tag) == expected


@pytest.mark.parametrize("tag", ["", "e", "english!", "en_US", "en-", "12", "en-US-"])
def test_malformed_language_tags_are_refused(tag: str) -> None:
    with pytest.raises(ValueError, match="BCP 47"):
        language_tag(tag)


def test_the_common_password_list_is_bundled() -> None:
    assert {"password123", "qwertyuiop", "1234567890"} <= common_passwords()


@pytest.mark.parametrize(
    "password", ["short", "Password123", "zzzzzzzzzzzz", "1212121212", "x" * 1025]
)
def test_weak_passwords(password: str) -> None:
    with pytest.raises(WeakPassword):
        check_policy(password, email="a@example.com", min_length=10)


def test_a_long_uncommon_passphrase_passes() -> None:
    check_policy("purple otters juggle at noon", email="viewer@example.com", min_length=10)


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36",
            "Chrome on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Version/17.5 Safari/605.1.15",
            "Safari on macOS",
        ),
        ("Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36", "Chrome on Android"),
        ("Mozilla/5.0 (Windows NT 10.0) Chrome/126.0 Safari/537.36 Edg/126.0", "Edge on Windows"),
        ("MarqueeTV/2.1 (tvOS)", "MarqueeTV/2.1"),
        ("", "Unknown device"),
    ],
)
def test_device_names_come_from_the_user_agent(agent: str, name: str) -> None:
    assert device_name(agent) == name


def test_access_tokens_round_trip_and_resist_tampering() -> None:
    token = issue_access_token(KEYS, "acc", "sess", 60)
    claims = read_access_token(KEYS, token)
    assert (claims.account_id, claims.session_id) == ("acc", "sess")
    with pytest.raises(TokenInvalid):
        read_access_token(Keys(b"other" * 10), token)
    header, payload, signature = token.split(".")
    with pytest.raises(TokenInvalid):
        read_access_token(KEYS, f"{header}.{payload}x.{signature}")
    with pytest.raises(TokenInvalid):
        read_access_token(KEYS, "not-a-token")


def test_access_tokens_expire() -> None:
    token = issue_access_token(KEYS, "acc", "sess", 0.01)
    time.sleep(0.02)
    with pytest.raises(TokenExpired):
        read_access_token(KEYS, token)


def test_refresh_tokens_are_signed_and_expire() -> None:
    token = issue_refresh_token("acc", "sess", 3, 60)
    assert read_refresh_token(KEYS, token.encode(KEYS)) == token
    with pytest.raises(TokenInvalid):
        read_refresh_token(KEYS, token.encode(KEYS).replace(".3.", ".4."))
    expired = issue_refresh_token("acc", "sess", 1, -1)
    with pytest.raises(TokenExpired):
        read_refresh_token(KEYS, expired.encode(KEYS))


def test_email_tokens_name_their_row_only_with_the_right_key() -> None:
    assert read_email_token(KEYS, email_token(KEYS, "row1")) == "row1"
    with pytest.raises(TokenInvalid):
        read_email_token(KEYS, "row1.forged")


def test_totp_secrets_are_sealed() -> None:
    sealed = seal(KEYS, "JBSWY3DPEHPK3PXP")
    assert "JBSWY3DPEHPK3PXP" not in sealed
    assert unseal(KEYS, sealed) == "JBSWY3DPEHPK3PXP"


def test_the_limiter_counts_per_subject_and_says_when_to_retry() -> None:
    limiter = Limiter(MemoryCache(), sessionmaker())  # rate limits: the cache only
    for _ in range(2):
        limiter.hit("login", "a@example.com", limit=2, window_s=30)
    limiter.hit("login", "b@example.com", limit=2, window_s=30)
    with pytest.raises(RateLimited) as raised:
        limiter.hit("login", "A@example.com ", limit=2, window_s=30)
    assert raised.value.headers["Retry-After"] == "30"
