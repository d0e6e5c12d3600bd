"""Search and suggestions as a viewer sees them."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from marquee.catalog import service as catalog
from marquee.discovery.index import SearchIndex
from marquee.discovery.node import index_path, node_for
from marquee.runtime import Platform
from tests.integration.discovery.conftest import Callers, Studio, profile_of, search

SUGGEST = "/api/v1/search/suggest"


def test_exact_words_and_typos_find_the_title(studio: Studio, callers: Callers) -> None:
    name = f"Moonlight Harbour {studio.tag}"
    studio.title(name, synopsis="A lighthouse keeper and a storm.")
    viewer = callers()
    assert search(viewer, f"moonlight harbour {studio.tag}") == [name]
    assert name in search(viewer, "Monlight")  # one typo in a 9-letter word
    assert name in search(viewer, "Mooonlihgt")  # two typos from 9 letters
    assert name in search(viewer, "harbur lighthouse")  # 1 typo from 5 letters


def test_short_words_must_be_spelled_right(studio: Studio, callers: Callers) -> None:
    studio.title(f"Zorb {studio.tag}")
    viewer = callers()
    assert search(viewer, f"zorb {studio.tag}") == [f"Zorb {studio.tag}"]
    assert search(viewer, f"zorv {studio.tag}") == []


def test_people_genres_and_synopses_are_searched(studio: Studio, callers: Callers) -> None:
    actor = f"Quillon Marsh{studio.tag}"
    name = f"Quiet Waters {studio.tag}"
    studio.title(name, synopsis="Smugglers running a ferry", genres=("Thrillers",), people=(actor,))
    viewer = callers()
    assert name in search(viewer, actor)
    assert name in search(viewer, f"thrillers {studio.tag}")
    assert name in search(viewer, f"smuggler runs {studio.tag}")  # English stems


def test_prefixes_suggest_titles_while_typing(studio: Studio, callers: Callers) -> None:
    name = f"Paraglider Summer {studio.tag}"
    studio.title(name)
    viewer = callers()
    assert search(viewer, f"{studio.tag} para", SUGGEST) == [name]
    assert search(viewer, f"{studio.tag} paraglid", SUGGEST) == [name]
    assert search(viewer, f"{studio.tag} para") == []  # a search wants whole words


def test_each_language_is_searched_with_its_own_stems(studio: Studio, callers: Callers) -> None:
    name = f"Horses {studio.tag}"
    french = f"Les Chevaux {studio.tag}"
    german = f"Die Pferde {studio.tag}"
    studio.title(
        name,
        synopsis="Wild horses run free.",
        localizations={
            "fr": {"title": french, "synopsis": "Des chevaux sauvages courent librement."},
            "de": {"title": german, "synopsis": "Wilde Pferde laufen in den Bergen."},
        },
    )
    assert search(callers(language="fr"), f"cheval {studio.tag}") == [french]
    assert search(callers(language="de"), f"pferd berg {studio.tag}") == [german]
    assert search(callers(language="en"), f"horse {studio.tag}") == [name]
    # a title's name in any language finds it, shown in the viewer's language
    assert search(callers(language="en"), f"chevaux {studio.tag}") == [name]


def test_only_titles_the_profile_may_see_here_and_now(studio: Studio, callers: Callers) -> None:
    tag = studio.tag
    studio.title(f"Everywhere {tag}")
    studio.title(f"France only {tag}", territories=("FR",))
    studio.title(f"Later {tag}", starts_at="2090-01-01T00:00:00Z")
    studio.title(f"Ended {tag}", starts_at="2001-01-01T00:00:00Z", ends_at="2002-01-01T00:00:00Z")
    studio.title(f"Grown-ups {tag}", rating="R")
    studio.title(f"Family {tag}", rating="PG")
    assert sorted(search(callers(country="US"), tag)) == [
        f"Everywhere {tag}",
        f"Family {tag}",
        f"Grown-ups {tag}",
    ]
    assert f"France only {tag}" in search(callers(country="FR"), tag)
    # an unrated title counts as adult
    assert search(callers(country="US", maturity="kids"), tag) == [f"Family {tag}"]


def test_the_index_follows_edits_and_unpublishing(studio: Studio, callers: Callers) -> None:
    title_id = studio.title(f"Old Name {studio.tag}")
    viewer = callers()
    studio.edit("PATCH", f"/titles/{title_id}", {"original_title": f"Fresh Name {studio.tag}"})
    assert search(viewer, f"fresh {studio.tag}") == [f"Fresh Name {studio.tag}"]
    assert search(viewer, f"old {studio.tag}") == []
    studio.edit("POST", f"/titles/{title_id}/unpublish", None)
    assert search(viewer, f"fresh {studio.tag}") == []


def test_a_title_already_shown_is_shown_as_edited(studio: Studio, callers: Callers) -> None:
    """Results are kept as cards per node; an edit this node hears is shown at the next search."""
    title_id = studio.title(f"Harbour Lights {studio.tag}", rating="PG")
    american, french = callers(country="US"), callers(country="US", language="fr")
    assert search(american, f"harbour {studio.tag}") == [f"Harbour Lights {studio.tag}"]
    assert search(french, f"harbour {studio.tag}") == [f"Harbour Lights {studio.tag}"]

    studio.edit("PUT", f"/titles/{title_id}/ratings/US", {"value": "PG-13"})
    studio.edit("PUT", f"/titles/{title_id}/localizations/fr", {"title": f"Feux {studio.tag}"})

    found = american.get(
        "/api/v1/search", params={"q": studio.tag, "profile_id": profile_of(american)}
    )
    assert [item["rating"]["value"] for item in found.json()["items"]] == ["PG-13"]
    assert search(french, f"harbour {studio.tag}") == [f"Feux {studio.tag}"]
    assert search(french, f"feux {studio.tag}", SUGGEST) == [f"Feux {studio.tag}"]


def test_an_edit_another_process_indexed_shows_at_once(
    studio: Studio, callers: Callers, platform: Platform
) -> None:
    """This process did not hear the change (no relay here); another process of the host did
    and committed it to the shared index: the next search shows it."""
    title_id = studio.title(f"Quiet Orchard {studio.tag}")
    viewer = callers()
    assert search(viewer, f"orchard {studio.tag}") == [f"Quiet Orchard {studio.tag}"]
    body = {"original_title": f"Quiet Orchard {studio.tag} restored"}
    edited = studio.editor.request("PATCH", f"/api/v1/studio/titles/{title_id}", json=body)
    assert edited.is_success, edited.text
    assert search(viewer, f"orchard {studio.tag}") == [f"Quiet Orchard {studio.tag}"]

    another_process = SearchIndex(index_path(platform.settings))
    with platform.db.transaction() as session:
        another_process.put(catalog.published_titles(session, title_ids=[title_id]))

    assert search(viewer, f"orchard {studio.tag}") == [f"Quiet Orchard {studio.tag} restored"]


def test_more_played_titles_rank_first(studio: Studio, callers: Callers) -> None:
    quiet = studio.title(f"Night Train {studio.tag} one")
    loved = studio.title(f"Night Train {studio.tag} two")
    viewer = callers()
    studio.play(viewer, loved, times=5)
    assert quiet
    assert search(viewer, f"night train {studio.tag}")[0] == f"Night Train {studio.tag} two"


def test_a_profile_of_another_account_is_not_found(studio: Studio, callers: Callers) -> None:
    someone, viewer = callers(), callers()
    response = viewer.get("/api/v1/search", params={"q": "x", "profile_id": profile_of(someone)})
    assert response.status_code == 404


def test_an_anonymous_caller_is_refused(callers: Callers) -> None:
    response = callers.client().get("/api/v1/search", params={"q": "x", "profile_id": "p"})
    assert response.status_code == 401


def test_a_node_with_an_empty_index_builds_it_at_first_use(
    studio: Studio, callers: Callers, platform: Platform
) -> None:
    name = f"Warm Start {studio.tag}"
    studio.title(name)
    index = node_for(platform.settings).index
    index.replace_all([])
    platform.settings.discovery_reindex_on_start = True
    viewer = callers()
    search(viewer, name)  # starts the build
    deadline = time.monotonic() + 20
    while name not in search(viewer, name) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert search(viewer, name) == [name]


def test_two_processes_of_a_host_share_the_index(tmp_path: Path) -> None:
    """A second writer (another process's) waits for the lock instead of failing."""
    first, second = SearchIndex(tmp_path), SearchIndex(tmp_path)
    held = first.index.writer(heap_size=15_000_000, num_threads=1)
    threading.Timer(0.2, held.wait_merging_threads).start()
    second.replace_all([])  # waits until the first writer is done
    assert first.size() == 0
