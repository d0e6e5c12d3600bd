"""The ClearKey licence service refuses what it may not answer before looking up any key."""

from __future__ import annotations

import json
from typing import cast

import pytest
from sqlalchemy.orm import Session

from marquee.kit.errors import Problem
from marquee.playback.drm.clearkey import ClearKeyLicenseService, b64url, b64url_decode
from marquee.settings import Settings

ALLOWED = ["00112233445566778899aabbccddeeff"]
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
        ClearKeyLicenseService().issue(NO_DB, NO_SETTINGS, request(b"\x01" * 16), ALLOWED)
    assert refused.value.slug == "key-not-allowed"


@pytest.mark.parametrize(
    "body", [b"", b"{}", b'{"kids": []}', b'{"kids": ["***"]}', request(b"\x01" * 8)]
)
def test_a_malformed_request_is_a_bad_request(body: bytes) -> None:
    with pytest.raises(Problem) as refused:
        ClearKeyLicenseService().issue(NO_DB, NO_SETTINGS, body, ALLOWED)
    assert refused.value.status == 400
