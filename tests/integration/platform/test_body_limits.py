"""Request bodies are limited per route class before they are read (issue 19, item 4)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.catalog.conftest import Callers

MIB = 1024**2


def test_a_huge_login_body_is_refused_before_it_is_read(app: FastAPI) -> None:
    pulled = 0

    def body() -> Iterator[bytes]:
        nonlocal pulled
        for _ in range(200):
            pulled += 1
            yield b" " * MIB

    with TestClient(app) as client:
        length = {"Content-Length": str(200 * MIB), "Content-Type": "application/json"}
        declared = client.post("/api/v1/auth/login", content=body(), headers=length)
        assert declared.status_code == 413
        assert declared.headers["content-type"] == "application/problem+json"
        assert declared.json()["type"] == "/problems/payload-too-large"
        assert pulled == 0  # the app never asked for the body
        chunked = client.post(
            "/api/v1/auth/login", content=body(), headers={"Content-Type": "application/json"}
        )
        assert chunked.status_code == 413
        assert chunked.json()["type"] == "/problems/payload-too-large"
        # (the test client reads a chunked body whole before handing it on: that reading stops
        # at the limit is tests/unit/kit/test_body_limit.py's)


def test_an_upload_chunk_may_be_larger_than_a_json_body(callers: Callers) -> None:
    editor = callers("editor")
    headers = {"Tus-Resumable": "1.0.0", "Upload-Offset": "0"}
    headers["Content-Type"] = "application/offset+octet-stream"
    answer = editor.request(
        "PATCH", "/api/v1/studio/uploads/nosuchupload", content=b"x" * 3 * MIB, headers=headers
    )
    assert answer.status_code == 404, answer.text  # read in full, then the upload is not found
    json_body = editor.request(
        "POST",
        "/api/v1/studio/titles",
        content=b" " * 3 * MIB,
        headers={"Content-Type": "application/json"},
    )
    assert json_body.status_code == 413
