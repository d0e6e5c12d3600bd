"""tus ``Upload-Metadata``: comma-separated ``key base64(value)`` pairs."""

from __future__ import annotations

import base64

import pytest

from marquee.catalog.tus import parse_metadata
from marquee.kit.errors import Problem


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_pairs_decode_and_a_key_may_have_no_value() -> None:
    header = f"filename {_b64('Épisode 1.mov')},filetype {_b64('video/quicktime')},is_confidential"
    assert parse_metadata(header) == {
        "filename": "Épisode 1.mov",
        "filetype": "video/quicktime",
        "is_confidential": "",
    }
    assert parse_metadata(None) == {}


def test_a_value_that_is_not_base64_is_refused() -> None:
    with pytest.raises(Problem, match="filename is not base64"):
        parse_metadata("filename not*base64")
