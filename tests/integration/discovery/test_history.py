"""Plays kept from playback events: trending decays with time; the index rebuilds whole."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from marquee.cli.main import app
from marquee.discovery import history
from marquee.discovery.node import node_for
from marquee.identity.events import PROFILE_DELETED, ProfileDeleted
from marquee.kit.db import utcnow
from marquee.kit.events import Event, publish
from marquee.playback.events import SESSION_STARTED, PlaybackStarted
from marquee.runtime import Platform, build_platform
from marquee.settings import Settings
from tests.integration.discovery.conftest import Studio, relay


def test_recent_plays_outweigh_more_older_plays(platform: Platform) -> None:
    now = utcnow()
    old, new = uuid.uuid4().hex, uuid.uuid4().hex
    with platform.db.transaction() as session:
        for hours_ago, title_id, times in ((100, old, 6), (1, new, 2)):
            at = (now - timedelta(hours=hours_ago)).isoformat()
            for _ in range(times):
                payload = {"profile_id": "p", "title_id": title_id, "territory": "us", "at": at}
                history.record_play(session, _play(payload))
        ranked = history.trending(session, now=now, days=7, half_life_h=24)
    assert ranked.index(new) < ranked.index(old)


def test_play_events_without_a_profile_or_title_are_refused() -> None:
    with pytest.raises(ValidationError):
        SESSION_STARTED.parse(Event(SESSION_STARTED.name, {"title_id": "t"}))


def test_reindex_rebuilds_the_index_from_the_catalog(
    studio: Studio, catalog_settings: Settings
) -> None:
    studio.title(f"Rebuilt {studio.tag}")
    index = node_for(catalog_settings).index
    index.replace_all([])
    assert index.size() == 0
    result = CliRunner().invoke(
        app,
        ["search", "reindex"],
        env={
            "MARQUEE_DATA_DIR": str(catalog_settings.data_dir),
            "MARQUEE_DATABASE_URL": catalog_settings.resolved_database_url,
        },
    )
    assert result.exit_code == 0, result.output
    assert "Indexed" in result.output
    assert index.size() >= 1


def test_a_deleted_profile_leaves_no_plays(platform: Platform) -> None:
    profile_id, title_id, also = (uuid.uuid4().hex for _ in range(3))
    with platform.db.transaction() as session:
        for played in (title_id, also):
            history.record_play(session, _play({"profile_id": profile_id, "title_id": played}))
    with platform.db.transaction() as session:
        assert history.co_watched(session, title_id=title_id, profile_id="someone else") == [also]
        publish(session, PROFILE_DELETED, ProfileDeleted(account_id="a", profile_id=profile_id))
    relay(platform)
    with platform.db.sessions() as session:
        assert history.co_watched(session, title_id=title_id, profile_id="someone else") == []


@pytest.fixture
def backend(catalog_settings: Settings, database_url: str) -> Iterator[Platform]:
    """The platform on each database backend: the history queries are SQL."""
    built = build_platform(catalog_settings.model_copy(update={"database_url": database_url}))
    yield built
    built.stop()


def test_history_queries_agree_on_every_backend(backend: Platform) -> None:
    now = utcnow()
    me, friend = uuid.uuid4().hex, uuid.uuid4().hex
    seen, shared, other = (uuid.uuid4().hex for _ in range(3))
    plays = [(me, seen, "FR"), (friend, seen, "FR"), (friend, shared, "FR"), (friend, other, "DE")]
    with backend.db.transaction() as session:
        for profile_id, title_id, territory in plays:
            payload = {"profile_id": profile_id, "title_id": title_id, "territory": territory}
            history.record_play(session, _play({**payload, "at": now.isoformat()}))
    with backend.db.sessions() as session:
        assert history.co_watched(session, title_id=seen, profile_id=me)[:2] in (
            [shared, other],
            [other, shared],
        )
        france = history.most_played(session, territory="fr", since=now - timedelta(days=1))
        assert france.index(seen) < france.index(shared)
        assert other not in france
        trending = history.trending(session, now=now, days=7, half_life_h=24)
        assert trending.index(seen) < trending.index(shared)


def _play(fields: dict[str, str]) -> PlaybackStarted:
    """A ``playback.session_started`` payload with ``fields``, the rest made up."""
    made_up = {"session_id": "s", "account_id": "a", "episode_id": None, "territory": "US"}
    return PlaybackStarted.model_validate(
        {**made_up, "at": utcnow(), "asset_id": "x", "device": "test", **fields}
    )
