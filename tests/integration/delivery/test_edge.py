"""One suite, run against the Python edge and the generated nginx edge."""

from __future__ import annotations

import http.client
import os
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from marquee.delivery.tokens import KeyRing
from tests.integration.delivery.conftest import CACHE_SIZE, KEYS, OLD_KEYS, EdgeNode, signed
from tests.integration.delivery.edges import REVOCATION_POLL_S, FakeOrigin, get

SEGMENT = "assets/a1/video/720p/seg-1.m4s"
MANIFEST = "assets/a1/manifest.mpd"


def body(n: int, seed: int = 0) -> bytes:
    return bytes((i * 7 + seed) % 251 for i in range(n))


def test_a_miss_is_filled_from_the_origin_then_served_from_cache(
    edge: EdgeNode, origin: FakeOrigin
) -> None:
    origin.objects[SEGMENT] = body(100_000)
    first = get(edge.url + signed(SEGMENT))
    second = get(edge.url + signed(SEGMENT, session="s2"))
    assert first.status_code == second.status_code == 200
    assert first.content == second.content == origin.objects[SEGMENT]
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
    assert origin.fetches[SEGMENT] == 1
    assert "immutable" in second.headers["cache-control"]
    assert second.headers["etag"]
    assert second.headers["last-modified"]


def test_manifests_get_a_short_max_age(edge: EdgeNode, origin: FakeOrigin) -> None:
    origin.objects[MANIFEST] = b"<MPD/>"
    response = get(edge.url + signed(MANIFEST))
    assert response.headers["content-type"].startswith("application/dash+xml")
    assert response.headers["cache-control"] == "public, max-age=10"


def test_a_player_on_another_origin_may_read_objects(edge: EdgeNode, origin: FakeOrigin) -> None:
    origin.objects[SEGMENT] = body(1_000)
    url = edge.url + signed(SEGMENT)
    preflight = httpx.options(
        url,
        headers={
            "Origin": "http://app.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "range",
        },
    )
    response = get(url, Origin="http://app.example", Range="bytes=0-9")
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "Range" in preflight.headers["access-control-allow-headers"]
    assert response.status_code == 206
    assert response.headers["access-control-allow-origin"] == "*"
    assert "Content-Range" in response.headers["access-control-expose-headers"]
    assert origin.fetches[SEGMENT] == 1


def test_concurrent_misses_make_one_origin_fetch(edge: EdgeNode, origin: FakeOrigin) -> None:
    origin.objects[SEGMENT] = body(200_000)
    origin.delay_s = 0.5
    with ThreadPoolExecutor(12) as pool:
        responses = list(pool.map(lambda _: get(edge.url + signed(SEGMENT)), range(12)))
    assert all(r.status_code == 200 and r.content == origin.objects[SEGMENT] for r in responses)
    assert origin.fetches[SEGMENT] == 1


def test_byte_ranges_on_a_miss_and_on_a_hit(edge: EdgeNode, origin: FakeOrigin) -> None:
    data = origin.objects[SEGMENT] = body(50_000)
    url = edge.url + signed(SEGMENT)
    miss = get(url, Range="bytes=100-199")
    hit = get(url, Range="bytes=-10")
    assert (miss.status_code, hit.status_code) == (206, 206)
    assert miss.content == data[100:200]
    assert miss.headers["content-range"] == "bytes 100-199/50000"
    assert hit.content == data[-10:]
    assert get(url, Range="bytes=60000-").status_code == 416
    assert origin.fetches[SEGMENT] == 1


def test_an_object_larger_than_the_send_buffer_reaches_a_slow_reader_whole(
    edge: EdgeNode, origin: FakeOrigin
) -> None:
    data = origin.objects[SEGMENT] = os.urandom(6 * 1024 * 1024)
    url = edge.url + signed(SEGMENT)
    assert get(url).content == data
    received = bytearray()
    with httpx.stream("GET", url, timeout=30) as hit:
        for chunk in hit.iter_raw(256 * 1024):
            if not received:
                time.sleep(0.3)  # the edge's socket fills up: it must wait, then send the rest
            received += chunk
    assert hit.headers["x-cache"] == "HIT"
    assert bytes(received) == data


def test_a_client_gone_mid_body_leaves_the_edge_serving_others(
    edge: EdgeNode, origin: FakeOrigin
) -> None:
    data = origin.objects[SEGMENT] = os.urandom(6 * 1024 * 1024)
    url = edge.url + signed(SEGMENT)
    assert get(url).content == data
    host, port = httpx.URL(edge.url).host, httpx.URL(edge.url).port
    with socket.create_connection((host, port or 80), timeout=10) as leaving:
        leaving.sendall(
            f"GET {httpx.URL(url).raw_path.decode()} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        )
        assert leaving.recv(65536).startswith(b"HTTP/1.1 200")
    again = get(url)
    assert again.status_code == 200
    assert again.content == data
    assert get(edge.url + "/healthz").status_code == 200


def test_conditional_requests_get_304(edge: EdgeNode, origin: FakeOrigin) -> None:
    origin.objects[SEGMENT] = body(10_000)
    url = edge.url + signed(SEGMENT)
    full = get(url)
    assert get(url, **{"If-None-Match": full.headers["etag"]}).status_code == 304
    assert get(url, **{"If-Modified-Since": full.headers["last-modified"]}).status_code == 304


def test_tokens_signed_with_an_older_listed_key_are_accepted(
    edge: EdgeNode, origin: FakeOrigin
) -> None:
    origin.objects[SEGMENT] = body(1000)
    assert get(edge.url + signed(SEGMENT, keys=OLD_KEYS)).status_code == 200


def _alter_signature(path: str) -> str:
    """Change the signature's first character (the last one carries only 2 bits)."""
    at = path.index("/assets/") - 22
    return path[:at] + ("B" if path[at] == "A" else "A") + path[at + 1 :]


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda p: p.replace("/s1/", "/s9/"), id="other-session"),
        pytest.param(lambda p: p.replace("/assets/a1/", "/assets/a2/"), id="other-asset"),
        pytest.param(_alter_signature, id="altered-signature"),
        pytest.param(lambda p: p.replace("/t/k2/", "/t/k9/"), id="unknown-key"),
        pytest.param(lambda p: p[p.index("/assets/") :], id="no-token"),
        pytest.param(lambda p: signed(SEGMENT, ttl_s=-5), id="expired"),
    ],
)
def test_bad_tokens_are_refused_without_touching_the_origin(
    edge: EdgeNode, origin: FakeOrigin, mangle: Callable[[str], str]
) -> None:
    origin.objects[SEGMENT] = origin.objects["assets/a2/video/720p/seg-1.m4s"] = b"x"
    response = get(edge.url + mangle(signed(SEGMENT)))
    assert response.status_code == (404 if response.url.path.startswith("/assets/") else 403)
    assert sum(origin.fetches.values()) == 0


@pytest.mark.parametrize(
    "elsewhere",
    ["assets/a1/video/1080p/init-0.m4s", "assets/a1/video/1080p/seg-1.m4s", MANIFEST],
)
def test_a_renditions_token_reaches_no_other_rendition_nor_the_assets_manifest(
    edge: EdgeNode, origin: FakeOrigin, elsewhere: str
) -> None:
    """Issue 19: a Basic (720p) session holds tokens for its renditions' folders; put after
    one of them, the 1080p rendition or the asset's full manifest is refused, unfetched."""
    origin.objects[SEGMENT] = origin.objects[elsewhere] = b"x"
    token = signed(SEGMENT).removesuffix("assets/a1/video/720p/seg-1.m4s")
    assert get(edge.url + token + "assets/a1/video/720p/seg-1.m4s").status_code == 200
    response = get(edge.url + token + elsewhere)
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/invalid-delivery-token"
    assert origin.fetches[elsewhere] == 0


def test_a_revoked_sessions_tokens_are_refused_even_for_cached_objects(
    edge: EdgeNode, origin: FakeOrigin
) -> None:
    """Issue 19: a stopped session's segments stayed fetchable until its tokens expired. The
    edge reads the origin's revoked sessions (every REVOCATION_POLL_S here) and refuses their
    tokens, cached objects included; other sessions play on."""
    origin.objects[SEGMENT] = body(1000)
    assert get(edge.url + signed(SEGMENT, session="s1")).status_code == 200
    origin.revoked = ["s1"]
    deadline = time.monotonic() + 10
    refused = get(edge.url + signed(SEGMENT, session="s1"))
    while refused.status_code == 200 and time.monotonic() < deadline:
        time.sleep(REVOCATION_POLL_S)
        refused = get(edge.url + signed(SEGMENT, session="s1"))
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/delivery-session-ended"
    served = get(edge.url + signed(SEGMENT, session="s2"))
    assert (served.status_code, served.headers["x-cache"]) == (200, "HIT")
    assert origin.fetches[SEGMENT] == 1


def test_missing_objects_are_404(edge: EdgeNode, origin: FakeOrigin) -> None:
    assert get(edge.url + signed("assets/a1/nope.m4s")).status_code == 404


def test_origin_down_gives_502_while_cached_objects_are_still_served(
    edge: EdgeNode, origin: FakeOrigin
) -> None:
    origin.objects[SEGMENT] = body(20_000)
    assert get(edge.url + signed(SEGMENT)).status_code == 200
    origin.stop()
    cached = get(edge.url + signed(SEGMENT))
    missed = get(edge.url + signed("assets/a1/video/720p/seg-2.m4s"))
    assert cached.status_code == 200
    assert cached.content == origin.objects[SEGMENT]
    assert missed.status_code == 502
    assert missed.json()["type"] == "/problems/origin-unavailable"


def test_the_cache_survives_a_restart(edge: EdgeNode, origin: FakeOrigin) -> None:
    origin.objects[SEGMENT] = body(30_000)
    assert get(edge.url + signed(SEGMENT)).status_code == 200
    edge.restart()
    again = get(edge.url + signed(SEGMENT))
    assert again.headers["x-cache"] == "HIT"
    assert again.content == origin.objects[SEGMENT]
    assert origin.fetches[SEGMENT] == 1


def test_the_cache_stays_within_its_size_bound(
    edge_factory: Callable[[int], EdgeNode], origin: FakeOrigin, tmp_path: Path
) -> None:
    bound = 3 * 1024 * 1024
    node = edge_factory(bound)
    keys = [f"assets/a1/video/720p/seg-{i}.m4s" for i in range(8)]
    for i, key in enumerate(keys):
        origin.objects[key] = body(1024 * 1024 - 4096, seed=i)
        assert get(node.url + signed(key)).status_code == 200
    deadline = time.monotonic() + 20  # nginx's cache manager evicts within ~10 s
    while _disk_bytes(tmp_path / "cache") > bound and time.monotonic() < deadline:
        time.sleep(0.25)
    assert _disk_bytes(tmp_path / "cache") <= bound
    assert get(node.url + signed(keys[-1])).headers["x-cache"] == "HIT"


def test_metrics_count_hits_misses_bytes_fills_and_the_cache(
    edge: EdgeNode, origin: FakeOrigin
) -> None:
    """The same metric names on both edges (nginx's come from its access log, flushed each
    second, through ``marquee edge nginx-metrics``)."""
    origin.objects[SEGMENT] = body(5000)
    for _ in range(3):
        get(edge.url + signed(SEGMENT))
    get(edge.url + "/t/k2/1/s/" + "A" * 22 + "/" + SEGMENT)
    expected = {
        "marquee_edge_hits_total": 2,
        "marquee_edge_misses_total": 1,
        "marquee_edge_served_bytes_total": 15000,
        "marquee_edge_rejected_total": 1,
        "marquee_edge_fill_seconds_count": 1,
        "marquee_edge_cache_objects": 1,
    }
    deadline = time.monotonic() + 10
    while (found := _metrics(edge.url)) and time.monotonic() < deadline:
        if all(found.get(name) == value for name, value in expected.items()):
            break
        time.sleep(0.2)
    assert {name: found.get(name) for name in expected} == expected
    assert found["marquee_edge_cache_bytes"] >= 5000  # nginx's files hold headers too
    assert found["marquee_edge_cache_capacity_bytes"] == CACHE_SIZE


def _metrics(url: str) -> dict[str, float]:
    response = get(f"{url}/metrics")
    assert response.status_code == 200
    families = text_string_to_metric_families(response.text)
    return {sample.name: sample.value for family in families for sample in family.samples}


def test_health(edge: EdgeNode) -> None:
    response = httpx.get(f"{edge.url}/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def _disk_bytes(root: Path) -> int:
    return sum(
        os.path.getsize(os.path.join(d, name))
        for d, _, names in os.walk(root)
        for name in names
        if not name.startswith(".part-")
    )


def raw_get(edge: EdgeNode, path: str) -> tuple[int, bytes, dict[str, str]]:
    """GET ``path`` exactly as written (httpx would normalise dot segments)."""
    url = httpx.URL(edge.url)
    connection = http.client.HTTPConnection(url.host, url.port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read(), {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


INIT = "assets/a1/video/720p/init-0.m4s"


@pytest.mark.parametrize(
    "alias",
    [
        pytest.param(lambda p: p.replace("init-0", "%2569nit-0"), id="double-encoded"),
        pytest.param(lambda p: p.replace("/720p/", "%2F720p/"), id="encoded-slash"),
        pytest.param(lambda p: p.replace("/720p/", "/x/%2e%2e/720p/"), id="encoded-dots"),
        pytest.param(lambda p: p.replace("/720p/", "/x/../720p/"), id="dot-dot"),
        pytest.param(lambda p: p.replace("/720p/", "/./720p/"), id="dot"),
        pytest.param(lambda p: p.replace("/720p/", "//720p/"), id="empty-segment"),
        pytest.param(lambda p: p.replace("init-0", "init%20-0"), id="not-a-name-character"),
    ],
)
def test_an_object_has_one_address_and_one_cache_entry(
    edge: EdgeNode, origin: FakeOrigin, alias: Callable[[str], str]
) -> None:
    """Another spelling of a cached object's path is refused (400) before the token check:
    never a second cache entry or origin fetch (cache filling, cache bypass)."""
    origin.objects[INIT] = body(2_000)
    path = signed(INIT)
    assert raw_get(edge, path)[0] == 200
    status, content, headers = raw_get(edge, alias(path))
    assert status == 400, content
    assert b"/problems/invalid-delivery-path" in content
    assert headers["access-control-allow-origin"] == "*"
    assert origin.fetches == {INIT: 1}


def test_an_encoded_name_character_is_decoded_once_to_the_same_object(
    edge: EdgeNode, origin: FakeOrigin
) -> None:
    origin.objects[INIT] = body(2_000)
    path = signed(INIT)
    assert raw_get(edge, path)[0] == 200
    status, content, headers = raw_get(edge, path.replace("init-0", "%69nit-0"))
    assert (status, headers["x-cache"], content) == (200, "HIT", origin.objects[INIT])
    assert origin.fetches == {INIT: 1}


@pytest.mark.parametrize(("refusal", "status"), [("token", 403), ("missing", 404)])
def test_the_origins_refusals_reach_the_player_as_they_came(
    edge: EdgeNode, origin: FakeOrigin, refusal: str, status: int
) -> None:
    """A token the edge accepts but the origin refuses (keys rotated at the origin first) is
    the origin's 403, not a 502 that sends players to another edge; nothing is cached."""
    origin.objects[SEGMENT] = body(1_000)
    if refusal == "token":
        origin.keys = KeyRing({"k2": "z" * 32}, current="k2")
    key = SEGMENT if refusal == "token" else "assets/a1/nope.m4s"
    response = get(edge.url + signed(key))
    assert response.status_code == status
    if refusal == "token":
        origin.keys = KEYS
        assert get(edge.url + signed(key)).headers["x-cache"] == "MISS"


def test_metrics_answer_only_the_networks_of_the_setting(
    edge_factory: Callable[..., EdgeNode],
) -> None:
    """MARQUEE_METRICS_NETWORKS (loopback by default): this test's client is 127.0.0.1."""
    node = edge_factory(CACHE_SIZE, metrics_networks=("10.9.0.0/16",))
    refused = get(f"{node.url}/metrics")
    assert refused.status_code == 403
    assert get(f"{node.url}/healthz").status_code == 200
