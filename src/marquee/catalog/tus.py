"""Resumable uploads over the tus 1.0 protocol (core and the ``creation`` extension).

``POST /studio/uploads`` with ``Upload-Length`` creates one; ``HEAD`` tells its offset;
``PATCH`` with ``Upload-Offset`` and ``Content-Type: application/offset+octet-stream`` adds
bytes. A PATCH cut off by a dropped connection keeps what arrived, so the client asks HEAD
and goes on from there. See :mod:`marquee.catalog.assets` for where the bytes are kept.
"""

from __future__ import annotations

import base64
import binascii
import tempfile
from typing import Annotated, BinaryIO, cast

from fastapi import Header, Request, Response, status
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from marquee.catalog import assets
from marquee.catalog.dependencies import Editor, SettingsDep, StorageDep
from marquee.catalog.errors import UploadTooLarge
from marquee.kit.errors import Problem
from marquee.kit.web import DbSession, api_router, problems

VERSION = "1.0.0"
OFFSET_TYPE = "application/offset+octet-stream"
SPOOL_BYTES = 8 * 1024 * 1024
router = api_router(prefix="/uploads")


def parse_metadata(header: str | None) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64(value)`` pairs (value optional)."""
    found: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in (header or "").split(","))):
        key, _, encoded = pair.partition(" ")
        try:
            found[key] = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise Problem(f"Upload-Metadata: {key} is not base64 UTF-8") from None
    return found


def _headers(**extra: str) -> dict[str, str]:
    return {"Tus-Resumable": VERSION, **extra}


def _check_version(version: str | None) -> None:
    if version != VERSION:
        raise Problem(
            f"Send Tus-Resumable: {VERSION}.",
            slug="tus-version",
            status=status.HTTP_412_PRECONDITION_FAILED,
            headers=_headers(**{"Tus-Version": VERSION}),
        )


TusVersion = Annotated[str | None, Header(alias="Tus-Resumable")]


@router.options("")
def capabilities(settings: SettingsDep) -> Response:
    return Response(
        status_code=status.HTTP_204_NO_CONTENT,
        headers=_headers(
            **{
                "Tus-Version": VERSION,
                "Tus-Extension": "creation",
                "Tus-Max-Size": str(settings.catalog_upload_max_bytes),
            }
        ),
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def create(
    request: Request,
    session: DbSession,
    editor: Editor,
    settings: SettingsDep,
    version: TusVersion = None,
    length: Annotated[int | None, Header(alias="Upload-Length", ge=0)] = None,
    metadata: Annotated[str | None, Header(alias="Upload-Metadata")] = None,
) -> Response:
    """Announce an upload of ``Upload-Length`` bytes; the answer's Location is where to PATCH."""
    _check_version(version)
    if length is None:
        raise Problem("Upload-Length is required (deferred lengths are not supported).")
    upload = assets.create_upload(
        session,
        actor=editor,
        length=length,
        metadata=parse_metadata(metadata),
        max_bytes=settings.catalog_upload_max_bytes,
    )
    location = f"{request.url.path.rstrip('/')}/{upload.id}"
    return Response(status_code=status.HTTP_201_CREATED, headers=_headers(Location=location))


@router.head("/{upload_id}")
def offset(
    upload_id: str, session: DbSession, _editor: Editor, version: TusVersion = None
) -> Response:
    _check_version(version)
    upload = assets.get_upload(session, upload_id=upload_id)
    headers = _headers(
        **{
            "Upload-Offset": str(upload.offset),
            "Upload-Length": str(upload.length),
            "Cache-Control": "no-store",
        }
    )
    return Response(status_code=status.HTTP_200_OK, headers=headers)


@router.patch("/{upload_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(409))
async def append(
    upload_id: str,
    request: Request,
    session: DbSession,
    _editor: Editor,
    settings: SettingsDep,
    storage: StorageDep,
    upload_offset: Annotated[int, Header(alias="Upload-Offset", ge=0)],
    version: TusVersion = None,
    content_type: Annotated[str | None, Header(alias="Content-Type")] = None,
) -> Response:
    """Add the body at ``Upload-Offset``; what arrived before a disconnect is kept."""
    _check_version(version)
    if content_type != OFFSET_TYPE:
        raise Problem(
            f"Content-Type must be {OFFSET_TYPE}.",
            slug="unsupported-media-type",
            status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )
    limit = settings.catalog_upload_chunk_max_bytes
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as body:
        size = await _receive(request, body, limit)
        body.seek(0)
        upload = await run_in_threadpool(
            assets.append,
            session,
            storage=storage,
            upload_id=upload_id,
            offset=upload_offset,
            body=cast(BinaryIO, body),
            size=size,
        )
    return Response(
        status_code=status.HTTP_204_NO_CONTENT,
        headers=_headers(**{"Upload-Offset": str(upload.offset)}),
    )


async def _receive(request: Request, body: tempfile.SpooledTemporaryFile[bytes], limit: int) -> int:
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise UploadTooLarge(f"Send at most {limit} bytes in one PATCH.")
            await run_in_threadpool(body.write, chunk)
    except ClientDisconnect:
        pass
    return size
