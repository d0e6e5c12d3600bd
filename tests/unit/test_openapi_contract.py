"""The OpenAPI document is a public contract: clients outside the project are generated from it.

``openapi_before_round_two.json`` is the document as round one left it. Every path, operation
and schema in it must still be there, the same but for key order; new ones may be added.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from marquee.app import create_app
from marquee.settings import Settings

BASELINE = Path(__file__).with_name("openapi_before_round_two.json")


@pytest.fixture(scope="module")
def documents() -> tuple[dict[str, Any], dict[str, Any]]:
    current = create_app(Settings()).openapi()
    return json.loads(BASELINE.read_text()), json.loads(json.dumps(current))


def test_every_operation_keeps_its_path_parameters_and_answers(
    documents: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    before, now = documents
    changed = [
        f"{method.upper()} {path}"
        for path, operations in before["paths"].items()
        for method, operation in operations.items()
        if now["paths"].get(path, {}).get(method) != operation
    ]
    assert changed == []


def test_every_schema_keeps_its_fields(documents: tuple[dict[str, Any], dict[str, Any]]) -> None:
    before, now = documents
    schemas = now["components"]["schemas"]
    changed = [
        name
        for name, schema in before["components"]["schemas"].items()
        if schemas.get(name) != schema
    ]
    assert changed == []
    assert now["components"].get("securitySchemes") == before["components"].get("securitySchemes")
