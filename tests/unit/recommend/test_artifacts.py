"""A fitted model saved to bytes comes back the same; bytes that are not a whole artifact are
refused with a clear error, never half loaded."""

from __future__ import annotations

import io

import numpy as np
import pytest

from marquee.recommend import artifact
from marquee.recommend.interactions import Interactions
from marquee.recommend.models import MODELS, ArtifactError, fit, load
from marquee.recommend.models.ease import Ease
from tests.unit.recommend.conftest import row


@pytest.mark.parametrize("name", list(MODELS))
def test_a_saved_model_loads_back_with_the_same_scores(name: str, tastes: Interactions) -> None:
    model = fit(name, tastes)

    loaded = load(model.to_bytes())

    assert type(loaded) is type(model)
    assert list(loaded.item_ids) == [f"t{i}" for i in range(9)]
    for history in ([], [0, 1], [4, 5, 6]):
        assert np.allclose(loaded.score(row(history)), model.score(row(history)))
    assert np.allclose(loaded.score(row([]), country="FR"), model.score(row([]), country="FR"))


def test_a_pruned_ease_model_loads_back_with_the_same_scores(tastes: Interactions) -> None:
    model = Ease.fit(tastes, neighbours=3)

    loaded = load(model.to_bytes())

    assert loaded.params["neighbours"] == 3
    assert model.weights.nnz == 9 * 3
    assert np.allclose(loaded.score(row([0, 1])), model.score(row([0, 1])))
    assert set(loaded.recommend(row([0, 1]), 2, exclude=[0, 1])) == {2, 3}


@pytest.mark.parametrize("name", list(MODELS))
def test_a_truncated_artifact_is_refused(name: str, tastes: Interactions) -> None:
    blob = fit(name, tastes).to_bytes()

    for length in (0, 10, len(blob) // 2, len(blob) - 1):
        with pytest.raises(ArtifactError, match="not a readable model artifact"):
            load(blob[:length])


def test_a_damaged_artifact_is_refused_or_loads_unchanged(tastes: Interactions) -> None:
    model = fit("ease", tastes)
    blob = model.to_bytes()
    expected = model.score(row([0, 1]))
    refused = 0
    for position in range(0, len(blob), 7):
        damaged = bytearray(blob)
        damaged[position] ^= 0xFF
        try:
            loaded = load(bytes(damaged))
        except ArtifactError:
            refused += 1
        else:  # a byte the archive does not read (a file's date, say)
            assert np.array_equal(loaded.score(row([0, 1])), expected)
    assert refused > len(blob) // 7 * 0.75  # the zip's dates and versions are all it skips


def test_arrays_altered_behind_a_valid_archive_fail_their_digest(tastes: Interactions) -> None:
    blob = fit("ease", tastes).to_bytes()
    _, _, arrays = artifact.parse(blob)
    header = np.load(io.BytesIO(blob))[artifact.HEADER]
    arrays["weights"] = arrays["weights"] * 2
    forged = io.BytesIO()
    np.savez(forged, **arrays, **{artifact.HEADER: header})

    with pytest.raises(ArtifactError, match="do not match their digest"):
        load(forged.getvalue())


def test_an_archive_without_a_header_is_refused() -> None:
    plain = io.BytesIO()
    np.savez(plain, weights=np.eye(3))

    with pytest.raises(ArtifactError, match="no header"):
        load(plain.getvalue())


def test_an_artifact_of_an_unknown_family_is_refused() -> None:
    blob = artifact.dump("deep-magic", {}, {"weights": np.eye(2)})

    with pytest.raises(ArtifactError, match="unknown family 'deep-magic'"):
        load(blob)


def test_an_artifact_missing_its_arrays_is_refused(tastes: Interactions) -> None:
    _, params, arrays = artifact.parse(fit("ease", tastes).to_bytes())
    del arrays["weights"]

    with pytest.raises(ArtifactError, match="ease artifact incomplete"):
        load(artifact.dump("ease", params, arrays))


def test_an_object_array_is_never_unpickled() -> None:
    pickled = io.BytesIO()
    np.savez(pickled, weights=np.array([{"a": 1}], dtype=object))

    with pytest.raises(ArtifactError, match="not a readable model artifact"):
        load(pickled.getvalue())
