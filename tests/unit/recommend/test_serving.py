"""The served model: a new version is swapped in; a missing or corrupt one falls back to the
last good model, then to the version's popularity model, and says so in the log and metrics."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from marquee.kit.db import utcnow
from marquee.kit.storage.local import LocalObjectStore
from marquee.recommend.interactions import Interactions
from marquee.recommend.models import fit
from marquee.recommend.schemas import Signals
from marquee.recommend.service import model_version, serve_model
from marquee.recommend.serving import Served, Source, ranked, served
from marquee.recommend.training import POINTER, Pointer
from marquee.settings import Settings


def publish(store: LocalObjectStore, version: str, model: bytes, popularity: bytes) -> None:
    pointer = Pointer(version, "ease-recency", utcnow())
    store.put_bytes(pointer.key, model)
    store.put_bytes(pointer.fallback_key, popularity)
    store.put_bytes(POINTER, pointer.to_json())


def failures(reason: str) -> float:
    found = REGISTRY.get_sample_value(
        "marquee_recommend_artifact_failures_total", {"reason": reason}
    )
    return found or 0.0


def source() -> float | None:
    return REGISTRY.get_sample_value("marquee_recommend_model_source")


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path)


@pytest.fixture
def blobs(tastes: Interactions) -> tuple[bytes, bytes]:
    return fit("ease-recency", tastes).to_bytes(), fit("popularity", tastes).to_bytes()


def loaded_within(served: Served, seconds: float) -> str | None:
    """The version the node's watching thread has loaded within ``seconds`` (None: none)."""
    deadline = time.monotonic() + seconds
    while served.loaded is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return served.loaded.version if served.loaded is not None else None


def test_a_watched_node_swaps_a_new_version_in_with_no_request_asking(
    store: LocalObjectStore, blobs: tuple[bytes, bytes]
) -> None:
    served = Served(store, poll_s=0.05)
    served.watch()
    try:
        publish(store, "v1", *blobs)
        assert loaded_within(served, 10) == "v1"
    finally:
        served.unwatch()


def test_a_node_whose_store_fails_at_start_loads_the_model_once_it_answers(
    store: LocalObjectStore, blobs: tuple[bytes, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(store, "v1", *blobs)
    read = store.get_bytes
    fails = iter([True])

    def unreachable_once(key: str) -> bytes:
        if next(fails, False):
            raise OSError("object store unreachable")
        return read(key)

    monkeypatch.setattr(store, "get_bytes", unreachable_once)
    served = Served(store, poll_s=0.05)
    with pytest.raises(OSError, match="unreachable"):
        served.watch()
    try:
        assert loaded_within(served, 10) == "v1"
    finally:
        served.unwatch()


def test_a_new_version_is_swapped_in(store: LocalObjectStore, blobs: tuple[bytes, bytes]) -> None:
    served = Served(store, poll_s=0)
    assert served.current() is None
    publish(store, "v1", *blobs)
    assert served.current().version == "v1"  # type: ignore[union-attr]
    publish(store, "v2", *blobs)
    assert served.current().version == "v2"  # type: ignore[union-attr]
    assert served.source == Source.CURRENT
    assert source() == Source.CURRENT


def test_a_corrupt_version_keeps_the_last_good_one(
    store: LocalObjectStore, blobs: tuple[bytes, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    served = Served(store, poll_s=0)
    publish(store, "good", *blobs)
    served.current()
    before = failures("corrupt")
    broken = bytearray(blobs[0])
    broken[len(broken) // 2] ^= 0xFF
    publish(store, "bad", bytes(broken), blobs[1])
    with caplog.at_level(logging.ERROR, logger="marquee.recommend.serving"):
        assert served.current().version == "good"  # type: ignore[union-attr]
    assert served.source == Source.LAST_GOOD
    assert source() == Source.LAST_GOOD
    assert failures("corrupt") == before + 1
    assert "keeping version good" in caplog.text


def test_a_node_with_no_good_model_serves_popularity(
    store: LocalObjectStore, blobs: tuple[bytes, bytes], tastes: Interactions
) -> None:
    publish(store, "bad", b"not an artifact", blobs[1])
    served = Served(store, poll_s=0)
    loaded = served.current()
    assert loaded is not None
    assert loaded.version == "bad-popularity"
    assert served.source == Source.POPULARITY
    signals = Signals(positive={"t0": 1.0}, down=frozenset({"t4"}), listed=())
    picks = [title for title, _ in ranked(loaded, signals, country="JP", limit=3)]
    assert len(picks) == 3
    assert set(picks) <= {"t5", "t6", "t7", "t8"}, "Japan's most popular, but the thumbs down"


def test_missing_artifacts_serve_nothing_and_say_so(
    store: LocalObjectStore, caplog: pytest.LogCaptureFixture
) -> None:
    before = failures("missing")
    store.put_bytes(POINTER, Pointer("gone", "ease-recency", utcnow()).to_json())
    served = Served(store, poll_s=0)
    with caplog.at_level(logging.ERROR, logger="marquee.recommend.serving"):
        assert served.current() is None
    assert served.source == Source.NONE
    assert source() == Source.NONE
    assert failures("missing") == before + 2
    assert "no model served" in caplog.text


def test_fold_in_moves_a_profiles_picks(
    store: LocalObjectStore, blobs: tuple[bytes, bytes]
) -> None:
    publish(store, "v1", *blobs)
    loaded = Served(store, poll_s=0).current()
    assert loaded is not None
    comedy_fan = Signals(positive={"t4": 2.0, "t5": 1.0}, down=frozenset(), listed=())
    drama_fan = Signals(positive={"t0": 2.0, "t1": 1.0}, down=frozenset(), listed=())
    assert {t for t, _ in ranked(loaded, comedy_fan, country="FR", limit=3)} <= {"t6", "t7", "t8"}
    assert {t for t, _ in ranked(loaded, drama_fan, country="FR", limit=2)} == {"t2", "t3"}


def test_picks_keep_to_the_titles_a_profile_may_see(
    store: LocalObjectStore, blobs: tuple[bytes, bytes]
) -> None:
    publish(store, "v1", *blobs)
    loaded = Served(store, poll_s=0).current()
    assert loaded is not None
    comedy_fan = Signals(positive={"t4": 2.0}, down=frozenset(), listed=())
    allowed = frozenset({"t0", "t1", "t8"})
    for _ in range(2):  # the second time from the kept columns
        picks = [t for t, _ in ranked(loaded, comedy_fan, country="FR", limit=5, allowed=allowed)]
        assert picks[0] == "t8", "the one comedy it may see, first"
        assert set(picks) <= allowed


def test_a_node_finds_its_model_again_without_touching_the_file_system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every cached browse answer asks which model is served, on the event loop."""
    settings = Settings(data_dir=tmp_path, storage_url="")  # objects under the data dir
    first = served(settings)

    def no_file_system(*_args: object, **_kwargs: object) -> Path:
        raise AssertionError("resolved the data dir again")

    monkeypatch.setattr(Path, "resolve", no_file_system)
    assert served(settings) is first
    assert served(settings.model_copy()) is first
    assert served(settings.model_copy(update={"recommend_model_poll_s": 1})) is first


def test_a_node_started_on_a_published_model_names_it_before_any_rows_are_built(
    tmp_path: Path, blobs: tuple[bytes, bytes]
) -> None:
    """Browse's cache keys carry the version: rows cached under none would be built again."""
    settings = Settings(data_dir=tmp_path, storage_url="")
    publish(LocalObjectStore(tmp_path / "objects"), "v1", *blobs)
    assert model_version(settings) == ""

    serve_model(settings)

    assert model_version(settings) == "v1"
