"""The revoked-session list as edges read it: who may read it, what reaches nginx."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from marquee.delivery.errors import SessionRevoked
from marquee.delivery.revocation import (
    ListSource,
    edge_credential,
    is_edge_credential,
    read_map,
    refuse_revoked,
    write_map,
)
from marquee.delivery.tokens import KeyRing

KEYS = KeyRing({"k1": "a" * 32, "k2": "b" * 32}, current="k2")


def answer(body: object, status: int = 200) -> httpx.Response:
    request = httpx.Request("GET", "http://origin/revoked")
    return httpx.Response(status, content=json.dumps(body).encode(), request=request)


def test_an_edge_credential_is_of_a_listed_key_and_nothing_else() -> None:
    assert is_edge_credential(KEYS, edge_credential(KEYS))
    assert is_edge_credential(KEYS, edge_credential(KeyRing(KEYS.secrets, "k1")))  # rotation
    stranger = KeyRing({"k2": "c" * 32}, current="k2")
    for wrong in (edge_credential(stranger), "k2.", "k9.00", "", "é.é"):
        assert not is_edge_credential(KEYS, wrong)


def test_only_ids_a_token_can_carry_reach_the_nginx_map(tmp_path: Path) -> None:
    source = ListSource("http://origin", KEYS)
    listed = source.sessions(answer({"sessions": ["s1", 'x" 1; } evil', 7, "s-2_B"]}))
    assert listed == {"s1", "s-2_B"}
    path = tmp_path / "revoked.map"
    write_map(path, listed)
    assert path.read_text() == '"s-2_B" 1;\n"s1" 1;\n'
    assert read_map(path) == listed
    assert read_map(tmp_path / "none.map") == frozenset()


@pytest.mark.parametrize(
    "failed",
    [answer({"sessions": ["s1"]}, 500), answer({"nope": []}), answer({"sessions": "s1"})],
)
def test_an_unreadable_list_keeps_the_last_one(failed: httpx.Response) -> None:
    assert ListSource("http://origin", KEYS).sessions(failed) is None


def test_a_revoked_sessions_token_is_refused() -> None:
    refuse_revoked("s2", frozenset({"s1"}))
    with pytest.raises(SessionRevoked) as refused:
        refuse_revoked("s1", frozenset({"s1"}))
    assert (refused.value.status, refused.value.slug) == (403, "delivery-session-ended")
