"""The ClearKey licence service refuses what it may not answer before looking up any key."""

from __future__ import annotations

import json
from typing import cast

import pytest
from sqlalchemy.orm import Session

from marquee.kit.errors import Problem
from marquee.playback.drm.clearkey import (
    ClearKeyLicenseService,
    KeyGrant,
    b64url,
    b64url_decode,
)
from marquee.settings import Settings

ALLOWED = ["00112233445566778899aabbccddeeff"]
HD_KID = "ffeeddccbbaa99887766554433221100"
GRANT = KeyGrant(allowed=ALLOWED)
#: A Basic (720p) session of an asset with an SD and an HD key: SD only.
BASIC = KeyGrant(allowed=ALLOWED, above_plan=[HD_KID], max_height=720)
NO_DB = cast(Session, None)
NO_SETTINGS = cast(Settings, None)


def request(*kids: bytes) -> bytes:
    return json.dumps({"kids": [b64url(k) for k in kids], "type": "temporary"}).encode()


def test_key_ids_travel_as_unpadded_base64url() -> None:
    kid = bytes.fromhex(ALLOWED[0])
    assert "=" not in b64url(kid)
    assert b64url_decode(b64url(kid)) == kid


def test_a_key_of_another_asset_is_refused() -> None:
    with pytest.raises(Problem) as refused:
        ClearKeyLicenseService().issue(NO_DB, NO_SETTINGS, request(b"\x01" * 16), GRANT)
    assert refused.value.slug == "key-not-allowed"


@pytest.mark.parametrize(
    "body",
    [request(bytes.fromhex(HD_KID)), request(bytes.fromhex(ALLOWED[0]), bytes.fromhex(HD_KID))],
)
def test_a_key_of_a_tier_above_the_plan_is_refused_saying_so(body: bytes) -> None:
    """Issue 19: a Basic session asking for the HD key, alone or with the SD one."""
    with pytest.raises(Problem) as refused:
        ClearKeyLicenseService().issue(NO_DB, NO_SETTINGS, body, BASIC)
    assert (refused.value.slug, refused.value.status) == ("key-above-plan", 403)
    assert "720p" in refused.value.detail


def test_an_identity_key_uri_of_a_tier_above_the_plan_is_refused() -> None:
    with pytest.raises(Problem) as refused:
        ClearKeyLicenseService().issue(NO_DB, NO_SETTINGS, None, BASIC, kid=HD_KID.upper())
    assert refused.value.slug == "key-above-plan"


def test_an_identity_key_uri_naming_no_key_needs_an_asset_of_one_key() -> None:
    with pytest.raises(Problem) as refused:
        ClearKeyLicenseService().issue(NO_DB, NO_SETTINGS, None, BASIC)
    assert (refused.value.slug, refused.value.status) == ("key-id-required", 400)


@pytest.mark.parametrize(
    "body", [b"", b"{}", b'{"kids": []}', b'{"kids": ["***"]}', request(b"\x01" * 8)]
)
def test_a_malformed_request_is_a_bad_request(body: bytes) -> None:
    with pytest.raises(Problem) as refused:
        ClearKeyLicenseService().issue(NO_DB, NO_SETTINGS, body, GRANT)
    assert refused.value.status == 400
