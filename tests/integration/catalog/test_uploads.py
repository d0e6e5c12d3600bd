"""Resumable (tus) uploads: a dropped connection keeps what arrived, any node takes the rest."""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from marquee.app import create_app
from marquee.catalog.models import Upload, UploadPart
from marquee.runtime import Platform, build_platform
from marquee.settings import Settings
from tests.integration.catalog.conftest import Caller, new_title

TUS = {"Tus-Resumable": "1.0.0"}
PATCH = {**TUS, "Content-Type": "application/offset+octet-stream"}
DATA = os.urandom(300_000)


@pytest.fixture
def other_node(catalog_settings: Settings, platform: Platform) -> Iterator[TestClient]:
    """A second API node: its own engines and object store client on the same backends."""
    node = build_platform(catalog_settings)
    node.cache = platform.cache  # sign-in sessions are shared (Redis in production)
    app = create_app(catalog_settings, platform=node)
    app.state.platform = node
    with TestClient(app, client=("127.0.0.3", 50000)) as client:
        yield client
    node.stop()


def _create(editor: Caller, length: int, filename: bytes = b"master take 1.mov") -> str:
    name = base64.b64encode(filename).decode()
    headers = {**TUS, "Upload-Length": str(length), "Upload-Metadata": f"filename {name}"}
    response = editor.request("POST", "/api/v1/studio/uploads", headers=headers)
    assert response.status_code == 201, response.text
    assert response.headers["Tus-Resumable"] == "1.0.0"
    return str(response.headers["Location"])


def _patch_cut_off(app: FastAPI, path: str, headers: dict[str, str], body: bytes) -> None:
    """PATCH whose connection drops after ``body``: the client never sends the rest."""
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": body, "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(_message: dict[str, Any]) -> None:
        return None

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PATCH",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.3", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]


def _offset(client: TestClient, editor: Caller, location: str) -> int:
    response = client.head(location, headers={**editor.headers, **TUS})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return int(response.headers["Upload-Offset"])


def _wait_assembled(platform: Platform, upload_id: str) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with platform.db.sessions() as session:
            upload = session.get(Upload, upload_id)
            if upload is not None and upload.object_key is not None:
                return upload.object_key
        time.sleep(0.05)
    raise AssertionError("the upload was not assembled")


def _parts_dropped(platform: Platform, upload_id: str) -> bool:
    """Whether the parts' objects are gone within seconds (dropped once the assembly commits)."""
    deadline = time.monotonic() + 10
    while list(platform.storage.list(f"uploads/{upload_id}/parts/")):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_an_interrupted_upload_resumes_on_another_node_and_arrives_whole(
    editor: Caller, app: FastAPI, platform: Platform, other_node: TestClient
) -> None:
    platform.start(worker=True)
    location = _create(editor, len(DATA))
    first = editor.request(
        "PATCH", location, headers={**PATCH, "Upload-Offset": "0"}, content=DATA[:100_000]
    )
    assert (first.status_code, first.headers["Upload-Offset"]) == (204, "100000")

    headers = {**editor.headers, **PATCH, "Upload-Offset": "100000"}
    _patch_cut_off(app, location, headers, DATA[100_000:180_000])
    offset = _offset(other_node, editor, location)
    stale = other_node.patch(location, headers={**headers, "Upload-Offset": "100000"}, content=b"x")
    rest = other_node.patch(
        location, headers={**headers, "Upload-Offset": str(offset)}, content=DATA[offset:]
    )

    assert offset == 180_000
    assert stale.status_code == 409
    assert (rest.status_code, rest.headers["Upload-Offset"]) == (204, str(len(DATA)))
    upload_id = location.rsplit("/", 1)[1]
    key = _wait_assembled(platform, upload_id)
    assert key.endswith("/master_take_1.mov")
    assert platform.storage.get_bytes(key) == DATA
    assert _parts_dropped(platform, upload_id), "the parts' objects outlived the assembly"
    with platform.db.sessions() as session:
        assert (
            session.scalars(select(UploadPart).where(UploadPart.upload_id == upload_id)).all() == []
        )


def test_an_upload_named_like_the_parts_folder_assembles(
    editor: Caller, platform: Platform
) -> None:
    platform.start(worker=True)
    location = _create(editor, len(DATA), filename=b"parts")
    sent = editor.request("PATCH", location, headers={**PATCH, "Upload-Offset": "0"}, content=DATA)
    assert sent.status_code == 204, sent.text

    key = _wait_assembled(platform, location.rsplit("/", 1)[1])

    assert key.endswith("/parts")
    assert platform.storage.get_bytes(key) == DATA


def test_an_ingest_waits_for_a_finished_upload_and_reports_the_pipeline(
    editor: Caller, platform: Platform
) -> None:
    platform.start(worker=True)
    title = new_title(editor)
    location = _create(editor, 10)
    upload_id = location.rsplit("/", 1)[1]
    ingests = f"/api/v1/studio/titles/{title['id']}/ingests"

    early = editor.request("POST", ingests, json={"upload_id": upload_id})
    editor.request("PATCH", location, headers={**PATCH, "Upload-Offset": "0"}, content=b"not video")
    editor.request("PATCH", location, headers={**PATCH, "Upload-Offset": "9"}, content=b"!")
    _wait_assembled(platform, upload_id)
    started = editor.request("POST", ingests, json={"upload_id": upload_id})
    deadline = time.monotonic() + 30
    while (status := editor.get(ingests).json()[0])["status"] != "failed":
        assert time.monotonic() < deadline, status
        time.sleep(0.1)

    assert early.status_code == 409
    assert started.status_code == 201, started.text
    assert status["asset_id"] == started.json()["asset_id"]
    assert status["failed_step"] == "probe"


def test_the_protocol_is_checked(editor: Caller) -> None:
    options = editor.request("OPTIONS", "/api/v1/studio/uploads")
    too_big = editor.request(
        "POST", "/api/v1/studio/uploads", headers={**TUS, "Upload-Length": str(10**15)}
    )
    no_version = editor.request("POST", "/api/v1/studio/uploads", headers={"Upload-Length": "5"})
    location = _create(editor, 5)
    wrong_type = editor.request(
        "PATCH", location, headers={**TUS, "Upload-Offset": "0"}, content=b"abc"
    )
    beyond = editor.request(
        "PATCH", location, headers={**PATCH, "Upload-Offset": "0"}, content=b"abcdef"
    )

    assert options.headers["Tus-Version"] == "1.0.0"
    assert "creation" in options.headers["Tus-Extension"]
    assert too_big.status_code == 413
    assert no_version.status_code == 412
    assert wrong_type.status_code == 415
    assert beyond.status_code == 413


def _failed_ingest(editor: Caller, platform: Platform, title_id: str) -> dict[str, Any]:
    location = _create(editor, 9)
    editor.request("PATCH", location, headers={**PATCH, "Upload-Offset": "0"}, content=b"not video")
    upload_id = location.rsplit("/", 1)[1]
    _wait_assembled(platform, upload_id)
    ingests = f"/api/v1/studio/titles/{title_id}/ingests"
    asset_id = editor.request("POST", ingests, json={"upload_id": upload_id}).json()["asset_id"]
    deadline = time.monotonic() + 30
    while (latest := editor.get(ingests).json()[0])["status"] != "failed":
        assert time.monotonic() < deadline, latest
        time.sleep(0.1)
    assert latest["asset_id"] == asset_id
    return dict(latest)


def test_a_failed_ingest_is_retried_once_from_its_upload(
    editor: Caller, platform: Platform
) -> None:
    platform.start(worker=True)
    title = new_title(editor)
    failed = _failed_ingest(editor, platform, title["id"])
    retry = f"/api/v1/studio/titles/{title['id']}/ingests/{failed['asset_id']}/retry"

    first = editor.request("POST", retry)
    again = editor.request("POST", retry)
    unknown = editor.request("POST", f"/api/v1/studio/titles/{title['id']}/ingests/nope/retry")
    listed = editor.get(f"/api/v1/studio/titles/{title['id']}/ingests").json()

    assert first.status_code == 201, first.text
    assert first.json()["asset_id"] != failed["asset_id"]
    assert first.json()["upload_id"] == failed["upload_id"]
    assert again.json()["asset_id"] == first.json()["asset_id"]
    assert unknown.status_code == 404
    assert [i["asset_id"] for i in listed][:2] == [first.json()["asset_id"], failed["asset_id"]]


def test_the_studio_list_shows_the_pipeline_and_where_a_title_is_licensed_now(
    editor: Caller, platform: Platform
) -> None:
    platform.start(worker=True)
    title = new_title(editor)
    failed = _failed_ingest(editor, platform, title["id"])
    now = datetime.now(UTC)
    for territories, starts, ends in (
        (["FR"], now - timedelta(days=1), None),
        (["DE"], now + timedelta(days=1), None),
        (["IT"], now - timedelta(days=9), now - timedelta(days=1)),
    ):
        window = {"territories": territories, "starts_at": starts.isoformat()}
        if ends is not None:
            window["ends_at"] = ends.isoformat()
        editor.request("POST", f"/api/v1/studio/titles/{title['id']}/windows", json=window)

    rows = editor.get("/api/v1/studio/titles", params={"q": title["original_title"]}).json()

    row = next(r for r in rows["items"] if r["id"] == title["id"])
    assert failed["status"] == row["media_status"] == "failed"
    assert row["licensed_now"] == ["FR"]
