"""The demo seed on a platform of its own: short, small clips through the real pipeline.

``marquee demo --seed-only`` seeds a fresh data dir once for the whole module (a second run finds
it seeded); the other tests read that seed through a platform of their own on the same data dir.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marquee.app import create_app
from marquee.catalog import service as catalog
from marquee.catalog.views import studio_view
from marquee.demo import ADMIN, VIEWER, is_seeded, prepare, seed
from marquee.demo.catalog import TITLES
from marquee.media import service as media
from marquee.runtime import Platform, build_platform
from marquee.settings import load_settings

# The module's seed (its fixture) runs within the first test's time limit.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

MARQUEE = str(Path(sys.executable).parent / "marquee")
QUICK: dict[str, Any] = {"clip_seconds": 2, "height": 240}
#: No AV1 renditions: an encode more per clip that nothing here looks at (tests/integration/media
#: and tests/e2e/players test them). The 2-second clips are too short for per-title probes: they
#: get the fixed ladder either way.
QUICK_MEDIA = {"MARQUEE_MEDIA_AV1": "false"}
KIDS = {
    "paper-moons",
    "tidepool",
    "orbit-of-small-things",
    "harbour-lights",
    "the-cartographers-daughter",
}
ADULT = {"rust-and-neon", "midnight-ledger", "static-bloom"}
FRANCE_ONLY = "le-jardin-d-hiver"


@dataclass
class Seeded:
    platform: Platform
    #: The demo's title ids by slug.
    titles: dict[str, str]
    #: ``marquee demo --seed-only`` on the fresh data dir, then once more.
    first: subprocess.CompletedProcess[str]
    again: subprocess.CompletedProcess[str]


def seed_only(data_dir: Path) -> subprocess.CompletedProcess[str]:
    """``marquee demo --seed-only`` on ``data_dir`` with 2-second 240p clips."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARQUEE_")}
    env |= {"MARQUEE_DATA_DIR": str(data_dir), "MARQUEE_LOG_JSON": "false", **QUICK_MEDIA}
    command = [MARQUEE, "demo", "--seed-only", "--clip-seconds", "2", "--height", "240"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=540)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    data_dir = tmp_path_factory.mktemp("demo") / "var"
    first = seed_only(data_dir)
    assert first.returncode == 0, first.stderr
    again = seed_only(data_dir)
    settings = load_settings(
        data_dir=data_dir,
        env="test",
        log_json=False,
        log_level="WARNING",
        media_av1=False,
    )
    platform = build_platform(settings)
    platform.start(worker=True)
    try:
        yield Seeded(platform, prepare(platform), first, again)
    finally:
        platform.stop()


def test_the_catalog_lists_every_title_licensed_where_the_viewer_is(seeded: Seeded) -> None:
    ids = seeded.titles
    with seeded.platform.db.sessions() as session:
        us = set(catalog.visible_title_ids(session, territory="US", maturity="adult"))
        france = set(catalog.visible_title_ids(session, territory="FR", maturity="adult"))
        page = catalog.list_titles(
            session, territory="FR", maturity="adult", languages=["fr", "en"], page_size=50
        )
    assert us == {ids[t.slug] for t in TITLES} - {ids[FRANCE_ONLY]}
    assert france == set(ids.values())
    localized = {item.id: item.title for item in page.items}
    assert localized[ids["paper-moons"]] == "Lunes de papier"


def test_the_series_has_two_seasons_of_playable_episodes(seeded: Seeded) -> None:
    series = seeded.titles["harbour-lights"]
    with seeded.platform.db.sessions() as session:
        view = catalog.get_title(
            session, title_id=series, territory="GB", maturity="kids", languages=["en"]
        )
    assert view.kind == "series"
    assert [len(season.episodes) for season in view.seasons] == [2, 2]
    assert all(episode.playable for season in view.seasons for episode in season.episodes)


def test_a_kids_profile_sees_the_kids_titles_only(seeded: Seeded) -> None:
    ids = seeded.titles
    with seeded.platform.db.sessions() as session:
        kids = set(catalog.visible_title_ids(session, territory="US", maturity="kids"))
    assert kids == {ids[slug] for slug in KIDS}
    assert not kids & {ids[slug] for slug in ADULT}


def test_every_title_has_ready_encrypted_media_and_artwork(seeded: Seeded) -> None:
    with seeded.platform.db.sessions() as session:
        for title_id in seeded.titles.values():
            assets = media.assets_by_title(session, title_id=title_id)
            assert assets, title_id
            assert all(a.status == "ready" and not a.clear and a.key_ids for a in assets)
            artwork = studio_view(session, title_id=title_id).artwork
            assert {a.kind for a in artwork if a.source == "upload"} == {"poster", "backdrop"}


def test_the_printed_credentials_sign_in(seeded: Seeded) -> None:
    platform = seeded.platform
    app = create_app(platform.settings, platform=platform)
    with TestClient(app) as client:
        for who in (VIEWER, ADMIN):
            body = {"email": who.email, "password": who.password}
            signed_in = client.post("/api/v1/auth/login", json=body)
            assert signed_in.status_code == 200, signed_in.text
        headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        assert client.get("/api/v1/studio/titles", headers=headers).status_code == 200
        body = {"email": VIEWER.email, "password": VIEWER.password}
        token = client.post("/api/v1/auth/login", json=body).json()["access_token"]
        profiles = client.get("/api/v1/profiles", headers={"Authorization": f"Bearer {token}"})
    assert {(p["name"], p["maturity"]) for p in profiles.json()} == {
        ("Demo", "adult"),
        ("Kids", "kids"),
    }


def test_a_seeded_platform_is_not_seeded_again(seeded: Seeded) -> None:
    platform = seeded.platform
    assert is_seeded(platform)
    again = seed(platform, **QUICK)
    assert again.titles == seeded.titles
    with platform.db.sessions() as session:
        counts = [len(media.assets_by_title(session, title_id=t)) for t in again.titles.values()]
    assert counts == [4 if t.seasons else 1 for t in TITLES]


def test_marquee_demo_seed_only_on_a_fresh_data_dir(seeded: Seeded) -> None:
    assert "seeded in" not in seeded.first.stderr
    assert VIEWER.password in seeded.first.stderr
    assert seeded.again.returncode == 0, seeded.again.stderr
    assert "seeded in" in seeded.again.stderr
