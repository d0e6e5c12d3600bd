"""Browse rows from the served model: Top Picks, Because You Watched, My List, thumbs down."""

from __future__ import annotations

from typing import Any

import pytest

from marquee.recommend import service as recommend
from marquee.recommend import serving
from marquee.recommend.tables import SEARCH_CLICK_STRENGTH
from marquee.recommend.training import retrain
from marquee.runtime import Platform
from tests.integration.catalog.conftest import Caller
from tests.integration.discovery.conftest import DURATION_S, Callers, Studio, profile_of, relay
from tests.integration.discovery.test_browse import ids, rows

#: Plays reach half the running time: a play replaced a minute in would be an abandonment.
HALF = DURATION_S / 2


def train(platform: Platform) -> None:
    """Retrain on every signal so far and have this process serve the new version."""
    with platform.db.transaction() as session:
        assert retrain(session, platform.storage) is not None
    serving.served(platform.settings).refresh()


def rate(caller: Caller, title_id: str, thumb: str) -> None:
    path = f"/api/v1/profiles/{profile_of(caller)}/ratings/{title_id}"
    answer = caller.request("PUT", path, json={"thumb": thumb})
    assert answer.status_code == 200, answer.text


def model_rows(found: dict[str, dict[str, Any]]) -> list[str]:
    keys = [k for k in found if k == "top-picks" or k.startswith(("because-", "genre-"))]
    return [t for key in keys for t in ids(found[key])]


@pytest.fixture
def shelf(studio: Studio, callers: Callers, platform: Platform) -> dict[str, str]:
    """Five titles; viewers who watch "a" also watch "b" (most often) and "c", "d" is watched
    alone or with "b", and "r" (rated R) goes with "a" too."""
    tag = studio.tag
    made = {name: studio.title(f"{name.upper()} {tag}", rating="PG") for name in "abcd"}
    made["r"] = studio.title(f"R {tag}", rating="R")
    together_ = (("a", "b", "c", "r"), ("a", "b"), ("a", "b", "r"), ("a", "c"), ("d",), ("d", "b"))
    for together in together_:
        viewer = callers(country="FR")  # Top 10 in Japan, where the tests' viewers are, stays empty
        for name in together:
            studio.play(viewer, made[name], position_s=HALF)
    train(platform)
    return made


def test_a_profile_with_a_history_gets_the_models_rows(
    shelf: dict[str, str], studio: Studio, callers: Callers, platform: Platform
) -> None:
    viewer = callers(country="JP")
    studio.play(viewer, shelf["a"], position_s=HALF)
    found = rows(viewer)
    name = viewer.get("/api/v1/profiles/current").json()["name"]
    assert found["top-picks"]["title"] == f"Top Picks for {name}"
    assert ids(found["top-picks"])[:1] == [shelf["b"]], "watched with a most often"
    because = found[f"because-{shelf['a']}"]
    assert shelf["a"] not in model_rows(found)
    assert because["reason"]
    assert found["top-picks"]["reason"]
    assert set(ids(found["top-picks"]) + ids(because)) >= {shelf["b"], shelf["c"]}


def test_a_new_profile_gets_popular_picks(
    shelf: dict[str, str], callers: Callers, platform: Platform
) -> None:
    viewer = callers(country="JP")
    assert rows(viewer)["top-picks"]["items"]
    with platform.db.transaction() as session:
        picks = recommend.picks(
            session,
            settings=platform.settings,
            profile_id=profile_of(viewer),
            country="JP",
            limit=500,
        )
    order = [t for t in picks.scores if t in shelf.values()]
    assert set(order[:2]) == {shelf["a"], shelf["b"]}, "the most played (4 profiles each) first"


def test_a_new_play_changes_the_rows_without_a_retrain(
    shelf: dict[str, str], studio: Studio, callers: Callers
) -> None:
    viewer = callers(country="JP")
    studio.play(viewer, shelf["d"], position_s=HALF)
    before = rows(viewer)
    studio.play(viewer, shelf["a"], position_s=HALF)
    after = rows(viewer)
    assert shelf["a"] not in model_rows(after), "played: folded in, no longer picked"
    assert f"because-{shelf['a']}" in after
    assert f"because-{shelf['a']}" not in before


def test_a_thumbs_down_title_is_never_shown_in_model_rows(
    shelf: dict[str, str], studio: Studio, callers: Callers, platform: Platform
) -> None:
    viewer = callers(country="JP")
    studio.play(viewer, shelf["a"], position_s=HALF)
    assert shelf["b"] in model_rows(rows(viewer))
    rate(viewer, shelf["b"], "down")
    relay(platform)
    assert shelf["b"] not in model_rows(rows(viewer))
    train(platform)
    assert shelf["b"] not in model_rows(rows(viewer)), "nor after a retrain"


def test_a_kids_profile_gets_kids_titles_only(
    shelf: dict[str, str], studio: Studio, callers: Callers
) -> None:
    kid = callers(country="JP", maturity="kids")
    studio.play(kid, shelf["a"], position_s=HALF)
    every = [t for row in rows(kid).values() for t in ids(row)]
    assert shelf["r"] not in every
    adult = callers(country="JP")
    studio.play(adult, shelf["a"], position_s=HALF)
    assert shelf["r"] in model_rows(rows(adult))


def test_a_retired_title_disappears(
    shelf: dict[str, str], studio: Studio, callers: Callers
) -> None:
    viewer = callers(country="JP")
    studio.play(viewer, shelf["a"], position_s=HALF)
    assert shelf["b"] in model_rows(rows(viewer))
    studio.edit("POST", f"/titles/{shelf['b']}/unpublish", None)
    every = [t for row in rows(viewer).values() for t in ids(row)]
    assert shelf["b"] not in every


def test_my_list_is_a_row_on_home(
    shelf: dict[str, str], callers: Callers, platform: Platform
) -> None:
    viewer = callers(country="JP")
    path = f"/api/v1/profiles/{profile_of(viewer)}/list/{shelf['d']}"
    assert viewer.request("PUT", path).status_code == 204
    relay(platform)
    found = rows(viewer)
    assert ids(found["my-list"]) == [shelf["d"]]
    assert found["my-list"]["title"] == "My List"


def test_a_title_with_no_plays_is_reached_through_its_metadata(
    studio: Studio, callers: Callers, platform: Platform
) -> None:
    tag = studio.tag
    genres, people = (f"Noir {tag}",), (f"Pat Dusk {tag}",)
    played = studio.title(
        f"Rain City {tag}", synopsis="A detective walks the wet docks", genres=genres, people=people
    )
    cold = studio.title(
        f"Wet Docks {tag}",
        synopsis="The detective returns to the docks",
        genres=genres,
        people=people,
    )
    unrelated = studio.title(f"Sunny Farm {tag}", synopsis="Cows and a tractor")
    studio.play(callers(country="FR"), played, position_s=HALF)
    viewer = callers(country="JP")
    studio.play(viewer, played, position_s=HALF)
    train(platform)
    with platform.db.transaction() as session:
        picks = recommend.picks(
            session,
            settings=platform.settings,
            profile_id=profile_of(viewer),
            country="JP",
            limit=50,
        )
    assert cold in picks.scores, "no plays, but the same genre, people and words"
    assert unrelated not in picks.scores


def search_click(caller: Caller, title_id: str) -> None:
    path = f"/api/v1/profiles/{profile_of(caller)}/search-clicks"
    answer = caller.request("POST", path, json={"title_id": title_id})
    assert answer.status_code == 204, answer.text


def picked(platform: Platform, caller: Caller) -> dict[str, float]:
    with platform.db.transaction() as session:
        return recommend.picks(
            session,
            settings=platform.settings,
            profile_id=profile_of(caller),
            country="JP",
            limit=50,
        ).scores


def test_a_search_click_changes_the_rows_without_a_retrain(
    shelf: dict[str, str], studio: Studio, callers: Callers, platform: Platform
) -> None:
    searcher, player = callers(country="JP"), callers(country="JP")
    before = rows(searcher)
    search_click(searcher, shelf["d"])
    relay(platform)
    after = rows(searcher)
    assert ids(after["top-picks"])[:1] == [shelf["b"]], "what d is watched with"
    assert ids(after["top-picks"]) != ids(before["top-picks"])
    assert shelf["d"] not in model_rows(after), "clicked: folded in, no longer picked"
    studio.play(player, shelf["d"], position_s=HALF)
    clicked, played = picked(platform, searcher), picked(platform, player)
    assert clicked[shelf["b"]] == pytest.approx(SEARCH_CLICK_STRENGTH * played[shelf["b"]])
