"""Pressing play, through the API, with ffmpeg as the player."""

from __future__ import annotations

import base64
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from marquee.delivery import service as delivery
from marquee.delivery.revocation import edge_credential
from marquee.delivery.tokens import KeyRing
from marquee.media.ffmpeg import run_ffmpeg
from marquee.media.models import Asset
from marquee.playback import service as playback
from marquee.playback.models import PlaybackSession
from tests.integration.media.conftest import Sources
from tests.integration.media.test_package import pictures_with_a_wrong_key
from tests.integration.media.test_pipeline import wait_for_asset
from tests.integration.playback.conftest import (
    BASIC_HEIGHT,
    PASSWORD,
    Viewer,
    World,
    _ingest,
    _publish,
    _title,
    _wait_attached,
)

pytestmark = pytest.mark.slow


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def started(viewer: Viewer, title_id: str, **extra: Any) -> dict[str, Any]:
    response = viewer.play(title_id, **extra)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def key_ids(mpd: str) -> list[str]:
    """The MPD's key ids in the order of their first AdaptationSet (the first video set's
    first: the highest rendition's tier)."""
    kids = [kid.replace("-", "") for kid in re.findall(r'default_KID="([^"]+)"', mpd)]
    return list(dict.fromkeys(kids))


def base_urls(mpd: str) -> list[str]:
    return re.findall(r"<BaseURL>([^<]+)</BaseURL>", mpd)


def licence(viewer: Viewer, session: dict[str, Any], kids_hex: list[str], **kwargs: Any) -> Any:
    body = {"kids": [b64url(bytes.fromhex(k)) for k in kids_hex], "type": "temporary"}
    return viewer.call("POST", session["license_url"], json=body, **kwargs)


def frames(tmp_path: Path, url: str, *options: str) -> list[str]:
    out = tmp_path / "frames.framemd5"
    run_ffmpeg([*options, "-i", url, "-map", "0:v:0", "-f", "framemd5", str(out)], step="client")
    return [line for line in out.read_text().splitlines() if not line.startswith("#")]


def test_a_session_plays_through_signed_urls_and_its_licence(world: World, tmp_path: Path) -> None:
    viewer = world.viewer("standard")
    session = started(viewer, world.title_id)
    assert session["key_system"] == "org.w3.clearkey"
    assert session["max_height"] == 1080
    assert session["resume_position_s"] == 0
    assert (session["title_id"], session["episode_id"]) == (world.title_id, None)
    thumbnails = httpx.get(session["thumbnails"])
    assert thumbnails.status_code == 200
    assert thumbnails.text.startswith("WEBVTT")
    mpd = httpx.get(session["manifests"]["dash"]).text  # no credentials: the URL is the grant
    assert "license.invalid" not in mpd
    assert session["license_url"] in mpd
    assert mpd.count('height="') == 2  # both renditions fit a 1080p plan
    assert [r["height"] for r in session["renditions"]] == [144, 180]  # for the player's ABR
    assert all(r["bitrate_kbps"] > 0 for r in session["renditions"])
    hd_kid, sd_kid = key_ids(mpd)  # 180p is HD at the tests' tier heights

    answer = licence(viewer, session, [hd_kid, sd_kid])
    assert answer.status_code == 200, answer.text
    jwk = answer.json()["keys"][0]
    assert answer.json()["type"] == "temporary"
    assert jwk["kty"] == "oct"
    assert [k["kid"] for k in answer.json()["keys"]] == [
        b64url(bytes.fromhex(hd_kid)),
        b64url(bytes.fromhex(sd_kid)),
    ]
    key = base64.urlsafe_b64decode(jwk["k"] + "==").hex()

    decoded = frames(tmp_path, session["manifests"]["dash"], "-cenc_decryption_key", key)
    assert len(decoded) == 100  # 4 s at 25 frames/s, every one decoded
    wrong = pictures_with_a_wrong_key(tmp_path, session["manifests"]["dash"])
    assert not wrong & {line.rsplit(",", 1)[1].strip() for line in decoded}


def test_segments_come_from_the_delivery_origin_behind_the_token(world: World) -> None:
    viewer = world.viewer("standard")
    session = started(viewer, world.title_id)
    mpd = httpx.get(session["manifests"]["dash"]).text
    base = base_urls(mpd)[0]
    assert f"/{session['session_id']}/" in base
    assert base.startswith(f"{world.platform.settings.public_url}/api/v1/delivery/t/")
    assert base.endswith(f"/assets/{world.asset_id}/video/180p/")
    assert httpx.get(f"{base}init-0.m4s").status_code == 200

    altered = re.sub(r"/([A-Za-z0-9_-]{22})/assets/", "/AAAAAAAAAAAAAAAAAAAAAA/assets/", base)
    assert altered != base
    assert httpx.get(f"{altered}init-0.m4s").status_code == 403
    expired = delivery.sign_path(
        world.platform.settings,
        prefix=delivery.asset_prefix(world.asset_id, "video/180p/"),
        session_id=session["session_id"],
        ttl_s=-5,
    )
    origin = f"{world.platform.settings.public_url}/api/v1/delivery"
    assert httpx.get(f"{origin}{expired}init-0.m4s").status_code == 403


def test_hls_playlists_carry_the_session_licence_and_signed_segments(world: World) -> None:
    viewer = world.viewer("standard")
    session = started(viewer, world.title_id)
    master = httpx.get(session["manifests"]["hls"])
    assert master.status_code == 200
    assert master.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    variant = next(line for line in master.text.splitlines() if line.endswith(".m3u8"))
    base = session["manifests"]["hls"].rsplit("/", 1)[0]
    media = httpx.get(f"{base}/{variant}").text
    assert f'URI="{session["license_url"]}?kid=' in media
    segments = [line for line in media.splitlines() if line and not line.startswith("#")]
    assert all("/api/v1/delivery/t/" in s for s in segments)
    assert httpx.get(segments[0]).status_code == 200
    assert httpx.get(f"{base}/other.m3u8").status_code == 404


OTHER_ORIGIN = "https://player.example"


def test_players_on_other_origins_may_fetch_manifests_and_licences(world: World) -> None:
    """The URL or the bearer token is the grant: any origin may read, and no cookie crosses
    origins (no Access-Control-Allow-Credentials); preflights answer 204, not 405."""
    viewer = world.viewer("standard")
    session = started(viewer, world.title_id)
    origin = {"Origin": OTHER_ORIGIN}
    for url in (session["manifests"]["dash"], session["manifests"]["hls"]):
        answer = httpx.get(url, headers=origin)
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in answer.headers
        preflight = httpx.options(url, headers={**origin, "Access-Control-Request-Method": "GET"})
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "GET" in preflight.headers["access-control-allow-methods"]

    asked = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization,content-type"}  # fmt: skip
    preflight = httpx.options(session["license_url"], headers={**origin, **asked})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert {"GET", "POST"} <= set(preflight.headers["access-control-allow-methods"].split(", "))
    allowed = preflight.headers["access-control-allow-headers"].lower().split(", ")
    assert {"authorization", "content-type"} <= set(allowed)
    assert "access-control-allow-credentials" not in preflight.headers

    answer = licence(viewer, session, world.key_ids(world.asset_id), headers=origin)
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in answer.headers
    refused = httpx.post(session["license_url"], headers=origin, json={"kids": []})
    assert refused.status_code == 401  # no bearer token, and cookies do not cross origins
    assert refused.headers["access-control-allow-origin"] == "*"
    missing = httpx.get(f"{session['manifests']['hls'].rsplit('/', 1)[0]}/x.m3u8", headers=origin)
    assert missing.status_code == 404
    assert missing.headers["access-control-allow-origin"] == "*"


def test_the_delivery_origin_answers_other_origins_as_the_edges_do(world: World) -> None:
    viewer = world.viewer("standard")
    session = started(viewer, world.title_id)
    base = base_urls(httpx.get(session["manifests"]["dash"]).text)[0]
    asked = {"Origin": OTHER_ORIGIN, "Access-Control-Request-Method": "GET",
             "Access-Control-Request-Headers": "range"}  # fmt: skip
    preflight = httpx.options(f"{base}init-0.m4s", headers=asked)
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "Range" in preflight.headers["access-control-allow-headers"]
    segment = httpx.get(f"{base}init-0.m4s", headers={"Origin": OTHER_ORIGIN})
    assert segment.status_code == 200
    assert segment.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in segment.headers
    forged = re.sub(r"/([A-Za-z0-9_-]{22})/assets/", "/AAAAAAAAAAAAAAAAAAAAAA/assets/", base)
    refused = httpx.get(f"{forged}init-0.m4s", headers={"Origin": OTHER_ORIGIN})
    assert refused.status_code == 403
    assert refused.headers["access-control-allow-origin"] == "*"


def test_the_hls_identity_key_uri_answers_the_raw_key(world: World) -> None:
    """Shaka plays ClearKey HLS through KEYFORMAT="identity": it GETs the key URI (the
    licence URL) for the raw 16-byte key; hls.js uses the org.w3.clearkey tag."""
    viewer = world.viewer("standard")
    session = started(viewer, world.title_id)
    base = session["manifests"]["hls"].rsplit("/", 1)[0]
    master = httpx.get(session["manifests"]["hls"]).text
    variant = next(line for line in master.splitlines() if line.endswith(".m3u8"))
    keys = [
        line for line in httpx.get(f"{base}/{variant}").text.splitlines() if "EXT-X-KEY" in line
    ]
    sd_kid = world.key_ids(world.asset_id)[0]  # the lowest variant's, 144p
    key_uri = f"{session['license_url']}?kid={sd_kid}"
    assert keys == [
        f'#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT="{key_format}",URI="{key_uri}"'
        for key_format in ("org.w3.clearkey", "identity")
    ]
    raw = viewer.call("GET", key_uri, headers={"Origin": OTHER_ORIGIN})
    assert raw.status_code == 200
    assert raw.headers["content-type"] == "application/octet-stream"
    assert raw.headers["access-control-allow-origin"] == "*"
    [jwk] = licence(viewer, session, [sd_kid]).json()["keys"]
    assert raw.content == base64.urlsafe_b64decode(jwk["k"] + "==")
    unnamed = viewer.call("GET", session["license_url"])  # an asset of two keys: which one?
    assert unnamed.json()["type"] == "/problems/key-id-required"
    assert httpx.get(session["license_url"]).status_code == 401
    stranger = world.viewer("standard")
    assert stranger.call("GET", session["license_url"]).status_code == 404


def test_hls_decodes_with_the_key_from_the_licence(world: World, tmp_path: Path) -> None:
    """What an HLS player does: master, media playlist, init + segments from the edge."""
    viewer = world.viewer("standard")
    session = started(viewer, world.title_id)
    base = session["manifests"]["hls"].rsplit("/", 1)[0]
    master = httpx.get(session["manifests"]["hls"]).text
    variant = next(line for line in master.splitlines() if line.endswith(".m3u8"))
    playlist = httpx.get(f"{base}/{variant}").text
    [init] = re.findall(r'#EXT-X-MAP:URI="([^"]+)"', playlist)
    segments = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    stream = tmp_path / "stream.mp4"
    stream.write_bytes(b"".join(httpx.get(url).content for url in [init, *segments]))
    [kid] = set(re.findall(r"kid=([0-9a-f]{32})", playlist))  # both key URIs name it
    [jwk] = licence(viewer, session, [kid]).json()["keys"]
    key = base64.urlsafe_b64decode(jwk["k"] + "==").hex()
    assert len(frames(tmp_path, str(stream), "-decryption_key", key)) == 100


def test_renditions_above_the_plan_are_not_offered(world: World) -> None:
    viewer = world.viewer("basic")
    session = started(viewer, world.title_id)
    assert session["max_height"] == BASIC_HEIGHT
    assert [r["height"] for r in session["renditions"]] == [BASIC_HEIGHT]
    mpd = httpx.get(session["manifests"]["dash"]).text
    assert re.findall(r' height="(\d+)"', mpd) == [str(BASIC_HEIGHT)]
    master = httpx.get(session["manifests"]["hls"]).text
    assert "320x180" not in master
    assert "256x144" in master


def test_a_basic_session_can_neither_fetch_nor_decrypt_the_renditions_above_its_plan(
    world: World,
) -> None:
    """Issue 19: a Basic viewer's tokens used to cover the whole asset, so the asset's own
    manifest.mpd showed the 180p (HD here) rendition, fetched with the session's token and
    decrypted with the session's key. Its tokens now cover its renditions' folders only, and
    its licence has no key of the tiers above its plan."""
    viewer = world.viewer("basic")
    session = started(viewer, world.title_id)
    mpd = httpx.get(session["manifests"]["dash"]).text
    token = base_urls(mpd)[0]
    assert token.endswith(f"/assets/{world.asset_id}/video/144p/")
    assert httpx.get(f"{token}init-1.m4s").status_code == 200
    stem = token.removesuffix("video/144p/")
    for elsewhere in (
        "manifest.mpd",
        "master.m3u8",
        "video/180p/init-0.m4s",
        "video/180p/seg-0-00001.m4s",
    ):
        refused = httpx.get(stem + elsewhere)
        assert refused.status_code == 403, elsewhere
        assert refused.json()["type"] == "/problems/invalid-delivery-token"

    sd_kid, hd_kid = world.key_ids(world.asset_id)
    assert key_ids(mpd) == [sd_kid]
    assert licence(viewer, session, [sd_kid]).status_code == 200
    above = licence(viewer, session, [sd_kid, hd_kid])
    assert (above.status_code, above.json()["type"]) == (403, "/problems/key-above-plan")
    assert f"{BASIC_HEIGHT}p" in above.json()["detail"]
    raw = viewer.call("GET", f"{session['license_url']}?kid={hd_kid}")
    assert raw.json()["type"] == "/problems/key-above-plan"


def test_the_session_names_the_keys_its_licence_grants_and_none_above_its_plan(
    world: World,
) -> None:
    """The answer's ``key_ids`` are a licence request's ``kids`` (issue 23: the web player
    asks for the licence while Shaka fetches the manifest): the licence answers each of them,
    and a Basic session is never told the key of the tier above its plan."""
    sd_kid, hd_kid = world.key_ids(world.asset_id)
    for plan, expected in (("standard", [sd_kid, hd_kid]), ("basic", [sd_kid])):
        viewer = world.viewer(plan)
        session = started(viewer, world.title_id)
        assert session["key_ids"] == [b64url(bytes.fromhex(kid)) for kid in expected], plan
        body = {"kids": session["key_ids"], "type": "temporary"}
        answer = viewer.call("POST", session["license_url"], json=body)
        assert answer.status_code == 200, answer.text
        assert [key["kid"] for key in answer.json()["keys"]] == session["key_ids"]
    assert b64url(bytes.fromhex(hd_kid)) not in session["key_ids"]


def ended_long_ago(world: World, session_id: str, seconds: float) -> None:
    """As if the session had stopped ``seconds`` ago."""
    with world.platform.db.transaction() as session:
        row = session.get_one(PlaybackSession, session_id)
        assert row.ended_at is not None
        row.ended_at -= timedelta(seconds=seconds)


def status_after_the_origins_next_read(url: str) -> httpx.Response:
    time.sleep(0.3)  # the origin reads the revoked sessions every 0.2 s here
    return httpx.get(url)


def test_a_stopped_sessions_segments_are_refused_after_the_grace_period(world: World) -> None:
    """Issue 19: segments stayed fetchable for the token's 6 hours after a stop. Tokens of a
    session stopped more than MARQUEE_DELIVERY_REVOCATION_GRACE_S ago are refused (at the
    origin here; the edges poll the same list, tests/integration/delivery)."""
    grace_s = world.platform.settings.delivery_revocation_grace_s
    viewer = world.viewer("standard")
    session = started(viewer, world.title_id)
    segment = base_urls(httpx.get(session["manifests"]["dash"]).text)[0] + "init-0.m4s"
    stop = viewer.call("POST", f"/api/v1/playback/sessions/{session['session_id']}/stop", json={})
    assert stop.status_code == 204
    assert status_after_the_origins_next_read(segment).status_code == 200  # within the grace

    ended_long_ago(world, session["session_id"], grace_s + 1)
    refused = status_after_the_origins_next_read(segment)
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/delivery-session-ended"


def test_a_session_kept_by_heartbeats_plays_on_and_a_silent_one_is_cut_off(
    world: World,
) -> None:
    settings = world.platform.settings
    viewer = world.viewer("standard")
    playing, silent = (started(viewer, world.title_id), started(world.viewer(), world.title_id))
    segments = [
        base_urls(httpx.get(s["manifests"]["dash"]).text)[0] + "init-0.m4s"
        for s in (playing, silent)
    ]
    with world.platform.db.transaction() as session:  # both started hours ago
        for s in (playing, silent):
            session.get_one(PlaybackSession, s["session_id"]).started_at -= timedelta(hours=5)
    beat = viewer.call(
        "POST",
        f"/api/v1/playback/sessions/{playing['session_id']}/heartbeat",
        json={"position_s": 1.0, "state": "playing"},
    )
    assert beat.status_code == 204
    world.silence(silent["session_id"])  # heard from a heartbeat timeout ago: within the grace
    assert status_after_the_origins_next_read(segments[0]).status_code == 200
    assert status_after_the_origins_next_read(segments[1]).status_code == 200

    quiet = settings.playback_heartbeat_timeout_s + settings.delivery_revocation_grace_s + 1
    with world.platform.db.transaction() as session:
        row = session.get_one(PlaybackSession, silent["session_id"])
        row.last_seen_at = datetime.now(UTC) - timedelta(seconds=quiet)
    assert status_after_the_origins_next_read(segments[0]).status_code == 200
    assert status_after_the_origins_next_read(segments[1]).status_code == 403


def test_the_revoked_sessions_are_for_edges_holding_a_delivery_key(world: World) -> None:
    keys = KeyRing.from_settings(world.platform.settings)
    url = f"{world.platform.settings.public_url}/api/v1/delivery/revoked"
    listed = httpx.get(url, headers={"Authorization": f"Bearer {edge_credential(keys)}"})
    assert listed.status_code == 200
    assert isinstance(listed.json()["sessions"], list)
    for wrong in (
        "",
        "Bearer k1.0000",
        f"Bearer {edge_credential(KeyRing({'k1': 'x' * 32}, 'k1'))}",
    ):
        refused = httpx.get(url, headers={"Authorization": wrong} if wrong else {})
        assert refused.status_code == 401, wrong


def packaged_before_tiers(world: World, tmp_path: Path) -> str:
    """A published title whose asset is as packaging left it before issue 19: one key for
    every rendition, every file at the top of the asset's folder, renditions naming no key.
    Ingested with one tier for all (one key), then moved back out of its folders."""
    settings, storage = world.platform.settings, world.platform.storage
    editor = world.viewer(None, role="editor")
    title_id = _title(editor)
    tiers = settings.media_sd_max_height
    settings.media_sd_max_height = 10_000
    try:
        asset_id = _ingest(world.platform, Sources(tmp_path).path("h264_aac.mp4"), title_id)
        assert wait_for_asset(world.platform, asset_id).status == "ready"
    finally:
        settings.media_sd_max_height = tiers
    top = f"assets/{asset_id}/"
    for info in list(storage.list(top)):
        folder, _, name = info.key.removeprefix(top).rpartition("/")
        if folder.startswith(("video/", "audio", "text")):
            storage.put_bytes(top + name, storage.get_bytes(info.key))
            storage.delete(info.key)
    mpd = storage.get_bytes(top + "manifest.mpd").decode()
    mpd = re.sub(r"\s*<BaseURL>(video/[^<]+|audio/)</BaseURL>", "", mpd)
    storage.put_bytes(top + "manifest.mpd", mpd.replace("<BaseURL>text/", "<BaseURL>").encode())
    master = storage.get_bytes(top + "master.m3u8").decode()
    storage.put_bytes(
        top + "master.m3u8", re.sub(r"(video/[^/]+|audio|text)/", "", master).encode()
    )
    for name in [i.key for i in storage.list(top) if i.key.endswith(".m3u8")]:
        playlist = storage.get_bytes(name).decode()
        storage.put_bytes(name, re.sub(r"\?kid=[0-9a-f]{32}", "", playlist).encode())
    with world.platform.db.transaction() as session:
        asset = session.get_one(Asset, asset_id)
        asset.renditions = [{k: v for k, v in r.items() if k != "key_id"} for r in asset.renditions]
    _wait_attached(editor, title_id)
    _publish(editor, title_id, ["WORLD"])
    return title_id


def test_an_asset_packaged_before_tiers_keeps_playing(world: World, tmp_path: Path) -> None:
    """docs/media.md: its one key is its SD key, its sessions are signed its top folder."""
    title_id = packaged_before_tiers(world, tmp_path)
    viewer = world.viewer("standard")
    session = started(viewer, title_id)
    mpd = httpx.get(session["manifests"]["dash"]).text
    [kid] = key_ids(mpd)
    top = base_urls(mpd)[0]
    assert re.search(r"/assets/[0-9a-f]{32}/$", top)
    assert httpx.get(f"{top}init-0.m4s").status_code == 200
    [jwk] = licence(viewer, session, [kid]).json()["keys"]
    key = base64.urlsafe_b64decode(jwk["k"] + "==")
    assert (
        len(frames(tmp_path, session["manifests"]["dash"], "-cenc_decryption_key", key.hex()))
        == 100
    )

    base = session["manifests"]["hls"].rsplit("/", 1)[0]
    master = httpx.get(session["manifests"]["hls"]).text
    variant = next(line for line in master.splitlines() if line.endswith(".m3u8"))
    playlist = httpx.get(f"{base}/{variant}").text
    assert f'URI="{session["license_url"]}"' in playlist  # an identity key URI naming no key
    segment = next(line for line in playlist.splitlines() if line.startswith("http"))
    assert httpx.get(segment).status_code == 200
    assert viewer.call("GET", session["license_url"]).content == key


def test_refusals_each_say_why(world: World) -> None:
    nobody = world.viewer(None)
    refused = nobody.play(world.title_id)
    assert (refused.status_code, refused.json()["type"]) == (403, "/problems/subscription-required")
    assert "subscription" in refused.json()["detail"]

    editor = world.viewer(None, role="editor")
    window = {"territories": ["JP"], "starts_at": "2020-01-01T00:00:00Z"}
    title = editor.call(
        "POST",
        "/api/v1/studio/titles",
        json={"kind": "movie", "original_title": "Japan only", "original_language": "ja"},
    )
    title_id = title.json()["id"]
    editor.call("POST", f"/api/v1/studio/titles/{title_id}/windows", json=window)
    editor.call("POST", f"/api/v1/studio/titles/{title_id}/publish")
    viewer = world.viewer("standard")
    refused = viewer.play(title_id)
    assert refused.json()["type"] == "/problems/not-available-in-territory"
    assert "country" in refused.json()["detail"]

    window = {
        "territories": ["WORLD"],
        "starts_at": "2020-01-01T00:00:00Z",
        "ends_at": "2021-01-01T00:00:00Z",
    }
    title = editor.call(
        "POST",
        "/api/v1/studio/titles",
        json={"kind": "movie", "original_title": "Licence over", "original_language": "en"},
    )
    title_id = title.json()["id"]
    editor.call("POST", f"/api/v1/studio/titles/{title_id}/windows", json=window)
    editor.call("POST", f"/api/v1/studio/titles/{title_id}/publish")
    refused = viewer.play(title_id)
    assert refused.json()["type"] == "/problems/not-available-in-territory"

    kids = viewer.call("POST", "/api/v1/profiles", json={"name": "Kid", "maturity": "kids"})
    refused = viewer.call(
        "POST",
        "/api/v1/playback/sessions",
        json={"title_id": world.title_id, "profile_id": kids.json()["id"]},
    )
    assert (refused.status_code, refused.json()["type"]) == (403, "/problems/maturity-restricted")


def test_a_locked_profile_needs_its_pin(world: World) -> None:
    viewer = world.viewer("standard")
    form = {"name": "Locked", "maturity": "adult", "pin": "4321"}
    locked = viewer.call("POST", "/api/v1/profiles", json=form).json()["id"]
    body = {"title_id": world.title_id, "profile_id": locked}
    refused = viewer.call("POST", "/api/v1/playback/sessions", json=body)
    assert refused.json()["type"] == "/problems/pin-required"
    wrong = viewer.call("POST", "/api/v1/playback/sessions", json={**body, "pin": "0000"})
    assert wrong.json()["type"] == "/problems/wrong-pin"
    right = viewer.call("POST", "/api/v1/playback/sessions", json={**body, "pin": "4321"})
    assert right.status_code == 201


def test_a_third_stream_on_a_two_stream_plan_is_refused_until_one_ends(world: World) -> None:
    first = world.viewer("standard")
    email = first.call("GET", "/api/v1/account").json()["email"]
    second, third = world.sign_in(email), world.sign_in(email)
    one = started(first, world.title_id)
    two = started(second, world.other_title_id)
    refused = third.play(world.title_id)
    assert (refused.status_code, refused.json()["type"]) == (409, "/problems/too-many-streams")
    devices = refused.json()["devices"]
    assert [d["title_id"] for d in devices] == [world.title_id, world.other_title_id]
    assert all(d["device"] for d in devices)
    assert "2 stream(s)" in refused.json()["detail"]

    stopped = first.call("POST", f"/api/v1/playback/sessions/{one['session_id']}/stop")
    assert stopped.status_code == 204
    three = started(third, world.title_id)

    world.silence(two["session_id"])  # the second device stops sending heartbeats
    started(first, world.title_id)
    late = second.call(
        "POST", f"/api/v1/playback/sessions/{two['session_id']}/heartbeat", json={"position_s": 1}
    )
    assert late.json()["type"] == "/problems/playback-session-ended"
    assert httpx.get(three["manifests"]["dash"]).status_code == 200
    assert httpx.get(two["manifests"]["dash"]).status_code == 409


def test_licences_only_for_the_session_account_and_asset(world: World) -> None:
    viewer, stranger = world.viewer("standard"), world.viewer("standard")
    session = started(viewer, world.title_id)
    other = started(viewer, world.other_title_id)  # same device: replaces the first session
    ended = licence(viewer, session, world.key_ids(world.asset_id))
    assert ended.json()["type"] == "/problems/playback-session-ended"

    session = started(stranger, world.title_id)
    mine = world.key_ids(world.asset_id)
    assert licence(stranger, session, mine).status_code == 200
    foreign = licence(viewer, session, mine)
    assert (foreign.status_code, foreign.json()["type"]) == (
        404,
        "/problems/playback-session-not-found",
    )
    wrong_asset = licence(stranger, session, world.key_ids(world.other_asset_id))
    assert (wrong_asset.status_code, wrong_asset.json()["type"]) == (
        403,
        "/problems/key-not-allowed",
    )
    garbage = stranger.call("POST", session["license_url"], content=b"{}")
    assert garbage.status_code == 400
    assert other["session_id"] != session["session_id"]


def test_licence_requests_are_rate_limited(world: World) -> None:
    viewer = world.viewer("standard")
    session = started(viewer, world.title_id)
    kids = world.key_ids(world.asset_id)
    limit = world.platform.settings.playback_license_limit
    codes = [licence(viewer, session, kids).status_code for _ in range(limit + 1)]
    assert codes[-1] == 429
    assert codes.count(200) >= limit - 1  # a minute boundary may fall inside the loop


def beat(viewer: Viewer, session: dict[str, Any], position_s: float, **qoe: Any) -> None:
    body = {
        "position_s": position_s,
        "state": "playing",
        "bitrate_kbps": 400,
        "buffer_s": 8,
        "stalls": 0,
        "dropped_frames": 0,
        **qoe,
    }
    url = f"/api/v1/playback/sessions/{session['session_id']}/heartbeat"
    response = viewer.call("POST", url, json=body)
    assert response.status_code == 204, response.text


def test_heartbeats_move_the_resume_position_and_history(world: World) -> None:
    viewer = world.viewer("standard")
    session = started(viewer, world.title_id)
    beat(viewer, session, 1.0)
    beat(viewer, session, 2.5, stalls=1)
    assert started(viewer, world.title_id)["resume_position_s"] == 2.5

    history = viewer.call("GET", f"/api/v1/profiles/{viewer.profile_id}/history").json()
    assert [(h["title_id"], h["position_s"], h["watched"]) for h in history] == [
        (world.title_id, 2.5, False)
    ]
    rows = viewer.call("GET", f"/api/v1/profiles/{viewer.profile_id}/continue-watching").json()
    assert [(r["title_id"], r["reason"], r["position_s"]) for r in rows] == [
        (world.title_id, "resume", 2.5)
    ]
    assert rows[0]["title"]["id"] == world.title_id

    session = started(viewer, world.other_title_id)
    beat(viewer, session, 3.7)  # past 90 % of 4 s: watched
    history = viewer.call("GET", f"/api/v1/profiles/{viewer.profile_id}/history").json()
    assert [(h["title_id"], h["watched"]) for h in history] == [
        (world.other_title_id, True),
        (world.title_id, False),
    ]
    rows = viewer.call("GET", f"/api/v1/profiles/{viewer.profile_id}/continue-watching").json()
    assert [r["title_id"] for r in rows] == [world.title_id]
    assert started(viewer, world.other_title_id)["resume_position_s"] == 0

    assert world.history_of(viewer.profile_id) == [world.other_title_id, world.title_id]

    removed = viewer.call(
        "DELETE", f"/api/v1/profiles/{viewer.profile_id}/history/{world.title_id}"
    )
    assert removed.status_code == 204
    history = viewer.call("GET", f"/api/v1/profiles/{viewer.profile_id}/history").json()
    assert [h["title_id"] for h in history] == [world.other_title_id]


def test_history_is_only_for_the_callers_profiles(world: World) -> None:
    viewer, stranger = world.viewer("standard"), world.viewer("standard")
    for path in ("history", "continue-watching"):
        response = stranger.call("GET", f"/api/v1/profiles/{viewer.profile_id}/{path}")
        assert response.status_code == 404


def test_deleting_a_profile_erases_its_history(world: World) -> None:
    viewer = world.viewer("standard")
    extra = viewer.call("POST", "/api/v1/profiles", json={"name": "Second"}).json()["id"]
    body = {"title_id": world.title_id, "profile_id": extra}
    session = viewer.call("POST", "/api/v1/playback/sessions", json=body).json()
    beat(viewer, session, 2.0)
    assert world.history_of(extra) == [world.title_id]
    assert viewer.call("DELETE", f"/api/v1/profiles/{extra}").status_code == 204
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and world.history_of(extra):
        time.sleep(0.05)
    assert world.history_of(extra) == []


def test_sessions_and_heartbeats_are_published_for_analytics(world: World) -> None:
    viewer = world.viewer("standard")
    session = started(viewer, world.title_id)
    beat(viewer, session, 1.5, bitrate_kbps=321, stalls=2, dropped_frames=3)
    viewer.call("POST", f"/api/v1/playback/sessions/{session['session_id']}/stop")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not world.events_for(session["session_id"], "ended"):
        time.sleep(0.05)
    [begun] = world.events_for(session["session_id"], "started")
    assert begun.payload["title_id"] == world.title_id
    assert begun.payload["territory"] == "US"
    [heartbeat] = world.events_for(session["session_id"], "heartbeat")
    assert (heartbeat.payload["bitrate_kbps"], heartbeat.payload["stalls"]) == (321, 2)
    assert heartbeat.payload["dropped_frames"] == 3
    [ended] = world.events_for(session["session_id"], "ended")
    assert (ended.payload["reason"], ended.payload["position_s"]) == ("stopped", 1.5)
    with world.platform.db.sessions() as db:
        plays = dict(
            playback.recent_plays(
                db, since=datetime.now(UTC) - timedelta(minutes=5), territory="US"
            )
        )
        elsewhere = dict(
            playback.recent_plays(
                db, since=datetime.now(UTC) - timedelta(minutes=5), territory="JP"
            )
        )
    assert plays[world.title_id] >= 1
    assert world.title_id not in elsewhere


def test_a_series_plays_on_where_the_profile_left_it(world: World) -> None:
    viewer = world.viewer("standard")
    first, second = world.episode_ids
    session = started(viewer, world.series_id)
    beat(viewer, session, 1.0)
    history = viewer.call("GET", f"/api/v1/profiles/{viewer.profile_id}/history").json()
    assert [(h["title_id"], h["episode_id"]) for h in history] == [(world.series_id, first)]

    session = started(viewer, world.series_id)
    assert session["resume_position_s"] == 1.0
    beat(viewer, session, 4.0, state="ended")
    rows = viewer.call("GET", f"/api/v1/profiles/{viewer.profile_id}/continue-watching").json()
    assert [(r["title_id"], r["episode_id"], r["reason"]) for r in rows] == [
        (world.series_id, second, "next_episode")
    ]

    session = started(viewer, world.series_id)  # the next episode, from its start
    assert session["resume_position_s"] == 0
    beat(viewer, session, 0.5)
    history = viewer.call("GET", f"/api/v1/profiles/{viewer.profile_id}/history").json()
    assert [(h["episode_id"], h["watched"]) for h in history] == [(second, False), (first, True)]

    again = viewer.call(
        "POST",
        "/api/v1/playback/sessions",
        json={"episode_id": first, "profile_id": viewer.profile_id},
    )
    assert again.status_code == 201
    assert again.json()["resume_position_s"] == 0  # watched: from the start


def test_deleting_an_account_erases_its_history(world: World) -> None:
    viewer = world.viewer("standard")
    beat(viewer, started(viewer, world.title_id), 2.0)
    gone = viewer.call("DELETE", "/api/v1/account", json={"password": PASSWORD})
    assert gone.status_code == 204, gone.text
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and world.history_of(viewer.profile_id):
        time.sleep(0.05)
    assert world.history_of(viewer.profile_id) == []


def test_two_devices_starting_at_once_cannot_both_take_the_last_slot(world: World) -> None:
    first = world.viewer("basic")  # one stream
    email = first.call("GET", "/api/v1/account").json()["email"]
    devices = [first, world.sign_in(email), world.sign_in(email)]
    with ThreadPoolExecutor(len(devices)) as pool:
        codes = sorted(pool.map(lambda d: d.play(world.title_id).status_code, devices))
    assert codes == [201, 409, 409]
