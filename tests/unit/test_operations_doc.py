"""docs/operations.md names only settings that exist: an operator copies them as written."""

from __future__ import annotations

import re
from pathlib import Path

from marquee.settings import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
#: Names in the page that are not settings: the default NATS stream.
NOT_SETTINGS = {"MARQUEE_EVENTS"}


def test_every_setting_the_operations_page_names_exists() -> None:
    named = set(re.findall(r"\bMARQUEE_[A-Z0-9_]*[A-Z0-9]", DOC.read_text())) - NOT_SETTINGS
    unknown = {
        name for name in named if name.removeprefix("MARQUEE_").lower() not in Settings.model_fields
    }
    assert len(named) > 10
    assert unknown == set()
