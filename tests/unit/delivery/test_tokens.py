from __future__ import annotations

import time

import pytest

from marquee.delivery import service
from marquee.delivery.errors import InvalidPath, InvalidToken
from marquee.delivery.tokens import KeyRing, canonical_path, parse_keys, sign, verify
from marquee.settings import Settings, load_settings

OLD = KeyRing({"k1": "a" * 32}, current="k1")
ROTATED = KeyRing({"k1": "a" * 32, "k2": "b" * 32}, current="k2")
NEW_ONLY = KeyRing({"k2": "b" * 32}, current="k2")


def future() -> int:
    return int(time.time()) + 60


def test_a_signed_path_verifies_for_every_object_of_its_folder() -> None:
    path = sign(OLD, "/assets/a1/video/720p/", "sess1", future()) + "seg-3.m4s"
    claims = verify(OLD, path)
    assert claims.object_key == "assets/a1/video/720p/seg-3.m4s"
    assert (claims.session_id, claims.key_id, claims.prefix) == (
        "sess1",
        "k1",
        "/assets/a1/video/720p/",
    )


@pytest.mark.parametrize(
    ("folder", "elsewhere"),
    [
        ("video/720p/", "../1080p/seg-3.m4s"),  # not canonical
        ("video/720p/", "x/seg-3.m4s"),  # a folder below
        ("", "video/1080p/init-0.m4s"),  # the asset's top folder grants none of its folders
    ],
)
def test_a_token_grants_no_other_folder(folder: str, elsewhere: str) -> None:
    """Issue 19: a session's token for its plan's rendition reaches no other rendition."""
    path = sign(OLD, f"/assets/a1/{folder}", "s", future()) + elsewhere
    with pytest.raises((InvalidToken, InvalidPath)):
        verify(OLD, path)


def test_a_token_for_one_folder_does_not_sign_another() -> None:
    token = sign(OLD, "/assets/a1/video/720p/", "s", future())
    moved = token.replace("/video/720p/", "/video/1080p/") + "seg-3.m4s"
    with pytest.raises(InvalidToken, match="does not match"):
        verify(OLD, moved)


def test_rotation_old_tokens_stay_valid_until_their_key_is_removed() -> None:
    old_token = sign(OLD, "/assets/a1/", "s", future()) + "manifest.mpd"
    new_token = sign(ROTATED, "/assets/a1/", "s", future()) + "manifest.mpd"
    assert new_token.startswith("/t/k2/")
    assert verify(ROTATED, old_token).key_id == "k1"
    assert verify(NEW_ONLY, new_token).key_id == "k2"
    with pytest.raises(InvalidToken, match="no longer valid"):
        verify(NEW_ONLY, old_token)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda p: p.replace("/assets/a1/", "/assets/a2/"), "does not match"),
        (lambda p: p.replace("/s/", "/x/"), "does not match"),
        (lambda p: p.replace("/t/", "/u/"), "no valid delivery token"),
    ],
)
def test_altered_paths_are_refused(mangle: object, message: str) -> None:
    path = sign(OLD, "/assets/a1/", "s", future()) + "manifest.mpd"
    with pytest.raises(InvalidToken, match=message):
        verify(OLD, mangle(path))  # type: ignore[operator]


@pytest.mark.parametrize(
    "alias",
    [
        "../a2/manifest.mpd",
        "x/%2e%2e/manifest.mpd",
        "x/%2E/manifest.mpd",
        "%256Danifest.mpd",
        "x%2Fmanifest.mpd",
        "x%5Cmanifest.mpd",
        "x//manifest.mpd",
        "./manifest.mpd",
        "%zzmanifest.mpd",
        "%C3%A9.mpd",
        "a b.mpd",
    ],
)
def test_addresses_that_are_not_canonical_are_refused_before_the_token(alias: str) -> None:
    path = sign(OLD, "/assets/a1/", "s", future()) + alias
    with pytest.raises(InvalidPath) as refused:
        verify(OLD, path)
    assert refused.value.status == 400


def test_a_canonical_path_is_decoded_once_and_is_its_own_canonical_form() -> None:
    path = sign(OLD, "/assets/a1/video/", "s", future()) + "%69nit-0.m4s"
    canonical = canonical_path(path)
    assert canonical.endswith("/assets/a1/video/init-0.m4s")
    assert canonical_path(canonical) == canonical
    assert verify(OLD, path).object_key == "assets/a1/video/init-0.m4s"


def test_expired_tokens_are_refused() -> None:
    path = sign(OLD, "/assets/a1/", "s", int(time.time()) - 1) + "manifest.mpd"
    with pytest.raises(InvalidToken, match="expired"):
        verify(OLD, path)


def test_only_asset_prefixes_and_safe_session_ids_are_signed() -> None:
    with pytest.raises(ValueError, match="prefix"):
        sign(OLD, "/sources/a1/", "s", future())
    with pytest.raises(ValueError, match="session"):
        sign(OLD, "/assets/a1/", "a/b", future())


def test_configured_keys_are_validated() -> None:
    assert parse_keys(f"k1={'x' * 32}, k2={'y' * 40}") == {"k1": "x" * 32, "k2": "y" * 40}
    with pytest.raises(ValueError, match="at least 32"):
        parse_keys("k1=short")


def test_service_signs_with_the_derived_key_and_verifies(settings: Settings) -> None:
    path = service.sign_path(
        settings, prefix=service.asset_prefix("a1"), session_id="sess", ttl_s=30
    )
    assert (
        service.verify(settings, path=path + "manifest.mpd").object_key == "assets/a1/manifest.mpd"
    )
    other = load_settings(data_dir=settings.data_dir, secret_key="z" * 40)
    with pytest.raises(InvalidToken):
        service.verify(other, path=path + "manifest.mpd")
