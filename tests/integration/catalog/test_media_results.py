"""What the catalog does with the pipeline's results (``media.asset_ready`` / ``_failed``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from marquee.catalog import assets
from marquee.catalog.schemas import EpisodeCreate, Kind, SeasonCreate, TitleCreate
from marquee.catalog.studio.artwork import add_artwork
from marquee.catalog.studio.audit import audit_log
from marquee.catalog.studio.episodes import add_episode, add_season
from marquee.catalog.studio.titles import create_title
from marquee.catalog.views import studio_view
from marquee.media.events import ASSET_READY, AssetFailed, AssetReady
from marquee.runtime import Platform
from tests.images import picture
from tests.integration.catalog.conftest import ready_asset

PNG = picture("PNG")


@pytest.fixture
def session(platform: Platform) -> Iterator[Session]:
    with platform.db.sessions() as opened:
        yield opened
        opened.rollback()


def _attach(session: Session, payload: dict[str, Any]) -> None:
    assets.attach_asset(session, AssetReady.model_validate(payload))


def _fail(session: Session, failure: dict[str, Any]) -> None:
    failed = AssetFailed.model_validate({"episode_id": None, "step": "", "reason": "", **failure})
    assets.asset_failed(session, failed)


def _title(session: Session, kind: Kind = "movie") -> str:
    data = TitleCreate(kind=kind, original_title="Pipeline", original_language="en")
    return create_title(session, actor="tester", data=data).id


def test_a_ready_asset_makes_the_movie_playable_with_its_languages_and_poster(
    session: Session,
) -> None:
    title_id = _title(session)
    payload = ready_asset(title_id)
    _attach(session, payload)
    _attach(session, payload)  # delivered twice: nothing more happens

    view = studio_view(session, title_id=title_id)
    assert (view.asset_id, view.runtime_s) == (payload["asset_id"], 5400)
    assert (view.audio_languages, view.subtitle_languages) == (["en", "fr"], ["de"])
    assert [(a.kind, a.source) for a in view.artwork] == [("poster", "media")]
    actions = [e.action for e in audit_log(session, title_id=title_id)]
    assert actions.count("asset.attached") == 1


def test_an_uploaded_poster_is_kept_and_publishing_waits_for_the_request(
    session: Session, platform: Platform
) -> None:
    title_id = _title(session)
    add_artwork(
        session,
        storage=platform.storage,
        actor="tester",
        title_id=title_id,
        kind="poster",
        language="",
        data=PNG,
        max_pixels=platform.settings.catalog_artwork_max_pixels,
    )
    _attach(session, ready_asset(title_id, publish_requested=True))

    view = studio_view(session, title_id=title_id)
    assert [a.source for a in view.artwork] == ["upload"]
    assert view.status == "published"


def test_an_episode_gets_its_asset_and_the_series_its_languages(session: Session) -> None:
    title_id = _title(session, "series")
    season = add_season(session, actor="tester", title_id=title_id, data=SeasonCreate(number=1))
    episode = add_episode(
        session,
        actor="tester",
        season_id=season.id,
        data=EpisodeCreate(number=1, original_title="Pilot"),
    )
    _attach(session, ready_asset(title_id, episode_id=episode.id, subtitle_languages=[]))

    view = studio_view(session, title_id=title_id)
    assert view.asset_id is None
    assert view.seasons[0].episodes[0].asset_id is not None
    assert view.audio_languages == ["en", "fr"]


def test_a_failed_asset_is_noted_once_in_the_titles_audit_log(session: Session) -> None:
    title_id = _title(session)
    failure = {"asset_id": uuid.uuid4().hex, "title_id": title_id, "step": "qc", "reason": "silent"}
    _fail(session, failure)
    _fail(session, failure)

    entries = [e for e in audit_log(session, title_id=title_id) if e.action == "asset.failed"]
    assert [(e.actor_id, e.changes["step"], e.changes["reason"]) for e in entries] == [
        ("media", "qc", "silent")
    ]


def test_assets_of_unknown_titles_are_ignored(session: Session) -> None:
    _attach(session, ready_asset("f" * 32))
    _fail(session, {"asset_id": "a", "title_id": None})


def test_the_catalog_hears_media_asset_ready_through_the_event_bus(platform: Platform) -> None:
    from marquee.kit.events import publish

    with platform.db.transaction() as session:
        title_id = _title(session)
        payload = ready_asset(title_id)
        publish(session, ASSET_READY, AssetReady.model_validate(payload))
    while platform.relay.relay_once():
        pass
    with platform.db.sessions() as session:
        assert studio_view(session, title_id=title_id).asset_id == payload["asset_id"]


def test_publish_requested_opens_a_worldwide_window(session: Session) -> None:
    from marquee.catalog import service

    title_id = _title(session)
    _attach(session, ready_asset(title_id, publish_requested=True))
    assert service.is_available(session, title_id=title_id, territory="FR", maturity="adult")
    assert service.is_available(session, title_id=title_id, territory="JP", maturity="adult")
