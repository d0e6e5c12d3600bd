"""The account export gathers every domain's data; deleting the account erases it everywhere,
discovery's plays included (issue 19, item 11)."""

from __future__ import annotations

from sqlalchemy import func, select

from marquee.discovery.models import DiscoveryPlay
from marquee.playback.models import PlaybackSession, ViewingPosition, WatchEvent
from marquee.runtime import Platform
from tests.integration.catalog.conftest import PASSWORD
from tests.integration.discovery.conftest import Callers, Studio, profile_of, relay


def test_the_export_gathers_every_domain_and_deletion_erases_them(
    callers: Callers, studio: Studio, platform: Platform
) -> None:
    viewer = callers()
    profile_id = profile_of(viewer)
    title_id = studio.title(f"Private {studio.tag}")
    studio.play(viewer, title_id)

    exported = viewer.get("/api/v1/account/export")
    assert exported.status_code == 200, exported.text
    body = exported.json()
    account_id = body["account"]["id"]
    assert {"exported_at", "account", "profiles", "devices"} <= body.keys()
    data = body["data"]
    assert {"identity", "billing", "catalog", "playback", "discovery"} <= data.keys()
    assert [p["id"] for p in data["identity"]["profiles"]] == [profile_id]
    assert [s["plan_id"] for s in data["billing"]["subscriptions"]] == ["standard"]
    assert [h["title_id"] for h in data["playback"]["history"]] == [title_id]
    assert [s["title_id"] for s in data["playback"]["sessions"]] == [title_id]
    assert data["playback"]["watch_events"]
    assert [(p["profile_id"], p["title_id"]) for p in data["discovery"]["plays"]] == [
        (profile_id, title_id)
    ]

    deleted = viewer.request("DELETE", "/api/v1/account", json={"password": PASSWORD})
    assert deleted.status_code == 204, deleted.text
    relay(platform)
    with platform.db.transaction() as session:
        left = {
            model.__tablename__: session.scalar(
                select(func.count()).select_from(model).where(column == value)
            )
            for model, column, value in (
                (DiscoveryPlay, DiscoveryPlay.profile_id, profile_id),
                (PlaybackSession, PlaybackSession.account_id, account_id),
                (WatchEvent, WatchEvent.account_id, account_id),
                (ViewingPosition, ViewingPosition.account_id, account_id),
            )
        }
    assert left == dict.fromkeys(left, 0)


def test_an_editors_export_holds_the_audit_entries_it_made(callers: Callers) -> None:
    editor = callers("editor")
    made = editor.request("POST", "/api/v1/studio/people", json={"name": "Audited Person"})
    assert made.is_success, made.text
    entries = editor.get("/api/v1/account/export").json()["data"]["catalog"]["audit_entries"]
    assert made.json()["id"] in [entry["entity_id"] for entry in entries]
