"""Experiments turn real knobs: a profile's variant changes the order of its browse rows, the
model its picks come from and the artwork on its cards, and an exposure is recorded when the
rows are built with the variant, not when the variant is only assigned."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from marquee.discovery.browse import PICKS
from marquee.discovery.node import node_for
from marquee.discovery.service import visible
from marquee.experiments import running
from marquee.experiments.models import Experiment, Exposure
from marquee.experiments.service import RecommendModel
from marquee.recommend import service as recommend
from marquee.runtime import Platform
from tests.images import picture
from tests.integration.catalog.conftest import Caller
from tests.integration.discovery.conftest import Callers, Studio, profile_of, relay
from tests.integration.discovery.test_browse import ids, rows
from tests.integration.recommend.test_rows import HALF, train

URL = "/api/v1/experiments"
Start = Callable[..., str]


@pytest.fixture
def start(callers: Callers) -> Iterator[Start]:
    """Define and start an experiment of two even variants, "control" (``control``, else {})
    and "treated" (``parameters``); its key. They are stopped after the test: a running one
    would turn the knobs of every other test's profiles."""
    admin = callers("admin")
    keys: list[str] = []

    def started(parameters: dict[str, Any], control: dict[str, Any] | None = None) -> str:
        key = f"knob-{uuid.uuid4().hex[:8]}"
        variants = [
            {"key": "control", "weight": 50, "parameters": control or {}},
            {"key": "treated", "weight": 50, "parameters": parameters},
        ]
        body = {"key": key, "unit": "profile", "variants": variants}
        created = admin.request("POST", URL, json=body)
        assert created.status_code == 201, created.text
        assert admin.request("POST", f"{URL}/{key}/start").status_code == 200
        keys.append(key)
        running.forget()
        return key

    yield started
    for key in keys:
        admin.request("POST", f"{URL}/{key}/stop")
    running.forget()


def variant_of(viewer: Caller, key: str) -> str:
    path = f"{URL}/assignments?profile_id={profile_of(viewer)}"
    found = viewer.get(path).json()["assignments"]
    return str(next(a["variant"] for a in found if a["experiment"] == key))


def one_of_each(callers: Callers, key: str) -> dict[str, Caller]:
    """A viewer in each variant (new profiles hash to one or the other)."""
    found: dict[str, Caller] = {}
    while len(found) < 2:
        viewer = callers(country="JP")
        found.setdefault(variant_of(viewer, key), viewer)
    return found


def ok(answer: Any) -> Any:
    assert answer.is_success, answer.text
    return answer.json()


def exposures(platform: Platform, key: str) -> dict[str, str]:
    """The experiment's exposed units and their variants, once the events are handled."""
    relay(platform)
    with platform.db.transaction() as session:
        experiment_id = session.scalar(select(Experiment.id).where(Experiment.key == key))
        found = session.scalars(select(Exposure).where(Exposure.experiment_id == experiment_id))
        return {row.unit_id: row.variant for row in found}


def test_row_order_follows_the_variant_and_exposes_only_when_rows_are_built(
    studio: Studio, callers: Callers, platform: Platform, start: Start
) -> None:
    studio.play(callers(country="FR"), studio.title(f"Hit {studio.tag}"))
    studio.title(f"Unseen {studio.tag}")
    key = start({"row_order": ["new-releases", "trending"]})
    player_only = start({"abr": "shaka"}, control={"abr": "marquee"})
    viewers = one_of_each(callers, key)
    assert exposures(platform, key) == {}, "assigned, not yet used"

    order = {variant: list(rows(viewer)) for variant, viewer in viewers.items()}

    assert order["control"].index("trending") < order["control"].index("new-releases")
    assert order["treated"][0] == "new-releases"
    assert exposures(platform, key) == {
        profile_of(viewer): variant for variant, viewer in viewers.items()
    }
    assert exposures(platform, player_only) == {}, "browse does not use the player's knob"


def test_the_artwork_variant_shows_the_alternate_poster(
    studio: Studio, callers: Callers, editor: Caller, platform: Platform, start: Start
) -> None:
    title_id = studio.title(f"Two Posters {studio.tag}")
    posters = {
        variant: ok(
            editor.request(
                "POST",
                f"/api/v1/studio/titles/{title_id}/artwork",
                data={"kind": "poster", "variant": variant},
                files={"file": ("p.png", picture("PNG"), "image/png")},
            )
        )
        for variant in ("", "bold")
    }
    key = start({"artwork": "bold"})
    viewers = one_of_each(callers, key)

    shown = {
        variant: next(
            item["poster"]["id"]
            for row in rows(viewer).values()
            for item in row["items"]
            if item["id"] == title_id
        )
        for variant, viewer in viewers.items()
    }

    assert shown == {"control": posters[""]["id"], "treated": posters["bold"]["id"]}
    assert set(exposures(platform, key).values()) == {"control", "treated"}


def test_the_model_variant_picks_from_the_popularity_model(
    studio: Studio, callers: Callers, platform: Platform, start: Start
) -> None:
    made = [studio.title(f"{name} {studio.tag}", rating="PG") for name in "abcd"]
    for together in ((0, 1), (0, 1, 2), (0, 2), (3,), (3, 1)):
        viewer = callers(country="FR")
        for n in together:
            studio.play(viewer, made[n], position_s=HALF)
    train(platform)
    key = start({"recommend_model": "popularity"})
    viewers = one_of_each(callers, key)

    arms: dict[RecommendModel, Caller] = {
        "current": viewers["control"],
        "popularity": viewers["treated"],
    }
    with platform.db.transaction() as session:
        allowed = visible(node_for(platform.settings), session, territory="JP", maturity="adult")
        picks = {
            model: recommend.picks(
                session,
                settings=platform.settings,
                profile_id=profile_of(viewer),
                country="JP",
                limit=PICKS,
                allowed=allowed,
                model=model,
            )
            for model, viewer in arms.items()
        }
    assert picks["popularity"].scores != picks["current"].scores
    assert picks["popularity"].version == f"{picks['current'].version}-popularity"
    for model, viewer in arms.items():
        found = rows(viewer)
        if model == "current" and "top-picks" not in found:
            continue  # no play yet: the model's picks may all be claimed by rows above
        shown = ids(found["top-picks"])
        assert shown == [t for t in picks[model].scores if t in shown], model
    assert set(exposures(platform, key).values()) == {"control", "treated"}
