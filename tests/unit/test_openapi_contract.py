"""The OpenAPI document is a public contract: clients outside the project are generated from it.

``openapi_before_round_two.json`` is the document as round one left it. Every path, operation
and schema in it must still be there, the same but for key order: an operation keeps its
parameters, request body and every answer it had; a schema keeps every field it had, the same.
A contract may grow: new paths, operations, schemas, new answers of an operation (the problems
it can answer), and new fields of a schema, which a request body never requires.
"""

from __future__ import annotations

import json
import re
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
        if not _keeps(operation, now["paths"].get(path, {}).get(method))
    ]
    assert changed == []


def _keeps(before: dict[str, Any], now: dict[str, Any] | None) -> bool:
    """``now`` has all of ``before``: the same fields, and every answer of ``before`` unchanged
    (it may document more answers)."""
    if now is None:
        return False
    fields = {key: value for key, value in now.items() if key != "responses"}
    answers = now.get("responses", {})
    return fields == {key: value for key, value in before.items() if key != "responses"} and all(
        answers.get(status) == answer for status, answer in before.get("responses", {}).items()
    )


def test_every_operation_documents_the_problems_it_can_answer(
    documents: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    _, now = documents
    assert "Problem" in now["components"]["schemas"]
    operations = [op for ops in now["paths"].values() for op in ops.values()]
    signed_in = [op for op in operations if op.get("security") or "401" in op["responses"]]
    assert len(signed_in) > 50
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for operation in signed_in:
        assert operation["responses"]["401"]["content"] == {"application/problem+json": problem}
    studio = now["paths"]["/api/v1/studio/titles/{title_id}"]
    assert {"401", "403", "404"} <= set(studio["get"]["responses"])
    assert {"413", "429"} <= set(now["paths"]["/api/v1/auth/login"]["post"]["responses"])


def test_every_schema_keeps_its_fields(documents: tuple[dict[str, Any], dict[str, Any]]) -> None:
    before, now = documents
    schemas = now["components"]["schemas"]
    sent = _request_schemas(before)
    changed = [
        name
        for name, schema in before["components"]["schemas"].items()
        if not _keeps_fields(schema, schemas.get(name), sent_by_clients=name in sent)
    ]
    assert changed == []
    assert now["components"].get("securitySchemes") == before["components"].get("securitySchemes")


def _keeps_fields(
    before: dict[str, Any], now: dict[str, Any] | None, *, sent_by_clients: bool
) -> bool:
    """``now`` has every field of ``before``, unchanged; a field it adds is never required of
    a client."""
    if now is None:
        return False
    rest = {key: value for key, value in now.items() if key not in ("properties", "required")}
    fields = now.get("properties", {})
    required = set(now.get("required", []))
    return (
        rest
        == {key: value for key, value in before.items() if key not in ("properties", "required")}
        and all(
            _same_field(field, fields.get(name))
            for name, field in before.get("properties", {}).items()
        )
        and set(before.get("required", [])) <= required
        and (not sent_by_clients or required == set(before.get("required", [])))
    )


def _same_field(before: dict[str, Any], now: dict[str, Any] | None) -> bool:
    """Unchanged, but for an enum that gained values (a new role, say): every old value
    still means what it meant."""
    if now is None or before == now:
        return before == now
    old_values, new_values = before.get("enum"), now.get("enum")
    if old_values is None or new_values is None or not set(old_values) <= set(new_values):
        return False
    return {k: v for k, v in before.items() if k != "enum"} == {
        k: v for k, v in now.items() if k != "enum"
    }


def _request_schemas(document: dict[str, Any]) -> set[str]:
    """The schemas request bodies name, directly."""
    text = json.dumps(
        [op.get("requestBody", {}) for ops in document["paths"].values() for op in ops.values()]
    )
    return set(re.findall(r"#/components/schemas/([A-Za-z0-9_]+)", text))
