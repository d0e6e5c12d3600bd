"""Metadata vectors: titles alike in genres, people and words come out nearest."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from marquee.catalog.schemas import Credit, StudioTitle
from marquee.recommend.artifact import ArtifactError
from marquee.recommend.content import Content, best_first, build
from marquee.recommend.interactions import Interactions
from marquee.recommend.models import fit
from marquee.recommend.schemas import Signals
from marquee.recommend.serving import Loaded, similar


def title(title_id: str, synopsis: str, genres: list[str], people: list[str]) -> StudioTitle:
    """The fields of a title the vectors read (the rest of a studio view does not matter)."""
    fields: dict[str, Any] = {
        "id": title_id,
        "synopsis": synopsis,
        "genres": genres,
        "tags": [],
        "localizations": {},
        "credits": [Credit(person_id=p, name=p, role="actor", character="") for p in people],
    }
    return StudioTitle.model_construct(**fields)


@pytest.fixture
def content() -> Content:
    return build(
        [
            title("heist", "A crew plans a bank heist", ["Crime"], ["ana"]),
            title("heist2", "The crew returns for one last heist", ["Crime"], ["ana"]),
            title("space", "Astronauts drift past Jupiter", ["Science Fiction"], ["bo"]),
            title("farm", "A year on a quiet farm", ["Documentary"], []),
        ]
    )


def test_the_nearest_title_shares_genre_people_and_words(content: Content) -> None:
    found = content.similar_to(["heist"], leave_out=["heist"])
    assert [t for t, _ in found] == ["heist2"], "nothing else shares a token"


def test_it_survives_its_artifact_and_refuses_a_damaged_one(content: Content) -> None:
    again = Content.from_bytes(content.to_bytes())
    assert again.similar_to(["space"], leave_out=[]) == content.similar_to(["space"], leave_out=[])
    with pytest.raises(ArtifactError):
        Content.from_bytes(content.to_bytes()[:-40])


def test_because_you_watched_an_unplayed_title_comes_from_its_metadata(
    content: Content, tastes: Interactions
) -> None:
    model = fit("popularity", tastes)
    loaded = Loaded("v1", model, {str(t): n for n, t in enumerate(model.item_ids)}, content)
    signals = Signals(positive={"heist": 1.0}, down=frozenset(), listed=())
    assert similar(loaded, "heist", signals, limit=5) == ["heist2"]


@pytest.mark.parametrize("wanted", [1, 3, 10, 500])
def test_the_partial_sort_orders_as_a_full_stable_sort(wanted: int) -> None:
    scores = np.random.default_rng(wanted).integers(0, 8, size=400).astype(np.float32)
    rows = np.flatnonzero(scores > 0)
    full = rows[np.argsort(-scores[rows], kind="stable")]
    assert list(best_first(scores, rows, wanted)) == list(full), "ties kept in row order"


def test_a_limited_answer_is_the_head_of_the_whole_order() -> None:
    genres = ["Crime", "Drama", "Comedy", "Horror", "Western"]
    catalog = [
        title(f"t{n:03}", "", [genres[n % 5], genres[n % 3]], [f"p{n % 4}"]) for n in range(120)
    ]
    content = build(catalog)
    everything = content.similar_to(["t000", "t007"], leave_out=["t000"])
    scores = {t: s for t, s in everything}
    assert len(everything) > 60, "many titles alike, many of them tied"
    assert [t for t, _ in everything] == sorted(scores, key=lambda t: (-scores[t], t))
    allowed = frozenset(t.id for t in catalog[::3])
    for limit in (1, 4, 25):
        shown = [pair for pair in everything if pair[0] in allowed][:limit]
        assert (
            content.similar_to(["t000", "t007"], leave_out=["t000"], allowed=allowed, limit=limit)
            == shown
        )
