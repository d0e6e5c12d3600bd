"""Artwork: posters, backdrops and logos uploaded per language, kept in the object store."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.catalog.errors import Invalid
from marquee.catalog.models import Artwork
from marquee.catalog.repository import row_or_404, title_or_404
from marquee.catalog.studio.audit import record, touched
from marquee.catalog.studio.images import clean_image
from marquee.identity.schemas import language_tag
from marquee.kit.db import after_commit, new_id
from marquee.kit.storage import ObjectStore


def artwork_language(tag: str) -> str:
    """ "" (neutral) or a well-formed BCP 47 tag; Invalid otherwise."""
    if not tag:
        return ""
    try:
        return language_tag(tag)
    except ValueError as exc:
        raise Invalid(str(exc)) from None


def add_artwork(
    session: Session,
    *,
    storage: ObjectStore,
    actor: str,
    title_id: str,
    kind: str,
    language: str,
    data: bytes,
    max_pixels: int,
    variant: str = "",
) -> Artwork:
    """Store an image as the title's ``kind`` for ``language`` ("" neutral) and ``variant``
    ("" the one everyone sees, else an experiment's alternate), replacing any.

    The image is decoded and encoded again (``images.clean_image``): what is stored is the
    picture alone, or nothing when ``data`` is not a picture of at most ``max_pixels``.
    """
    title = title_or_404(session, title_id)
    image = clean_image(data, max_pixels=max_pixels)
    row = session.scalar(
        select(Artwork).where(
            Artwork.title_id == title.id,
            Artwork.kind == kind,
            Artwork.language == language,
            Artwork.variant == variant,
        )
    )
    if row is None:
        row = Artwork(title_id=title.id, kind=kind, language=language, variant=variant)
        session.add(row)
    old_key = row.object_key if row.source == "upload" else None
    row.object_key = f"artwork/{title.id}/{new_id()}.{image.extension}"
    row.content_type, row.source = image.content_type, "upload"
    session.flush()
    storage.put_bytes(row.object_key, image.data, content_type=image.content_type)
    if old_key:
        after_commit(session, lambda: storage.delete(old_key))
    changes = {"kind": kind, "language": language, "variant": variant, "bytes": len(image.data)}
    record(
        session,
        actor=actor,
        title_id=title.id,
        entity="artwork",
        entity_id=row.id,
        action="artwork.set",
        changes=changes,
    )
    touched(session, title=title)
    return row


def delete_artwork(session: Session, *, storage: ObjectStore, actor: str, artwork_id: str) -> None:
    row = row_or_404(session, Artwork, artwork_id, "artwork")
    key, source = row.object_key, row.source
    session.delete(row)
    if source == "upload":
        after_commit(session, lambda: storage.delete(key))
    changes = {"kind": row.kind, "language": row.language}
    record(
        session,
        actor=actor,
        title_id=row.title_id,
        entity="artwork",
        entity_id=row.id,
        action="artwork.deleted",
        changes=changes,
    )
    touched(session, title=title_or_404(session, row.title_id))
