"""The catalog's tables (all prefixed ``catalog_``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marquee.kit.db import Base, UTCDateTime, exact_string, id_column_type, new_id, utcnow

DRAFT, PUBLISHED, RETIRED = "draft", "published", "retired"
MOVIE, SERIES = "movie", "series"


def _title_fk() -> ForeignKey:
    return ForeignKey("catalog_titles.id", ondelete="CASCADE")


class Title(Base):
    __tablename__ = "catalog_titles"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(8))
    #: Key of the title in an imported feed; re-imports update the title it names.
    external_key: Mapped[str | None] = mapped_column(exact_string(255), unique=True, nullable=True)
    original_title: Mapped[str] = mapped_column(String(300))
    original_language: Mapped[str] = mapped_column(String(35))
    synopsis: Mapped[str] = mapped_column(Text, default="")
    release_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    runtime_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    production_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default=DRAFT, index=True)
    asset_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    audio_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    subtitle_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    genres: Mapped[list[TitleGenre]] = relationship(
        cascade="all, delete-orphan", order_by="TitleGenre.position", lazy="selectin"
    )


class TitleGenre(Base):
    __tablename__ = "catalog_title_genres"

    title_id: Mapped[str] = mapped_column(_title_fk(), primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_catalog_title_genres_slug", "slug"),)


class Localization(Base):
    """Title and synopsis of a title or an episode (``entity_id``) in one language."""

    __tablename__ = "catalog_localizations"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    entity_id: Mapped[str] = mapped_column(id_column_type(), index=True)
    language: Mapped[str] = mapped_column(String(35))
    title: Mapped[str] = mapped_column(String(300))
    synopsis: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("entity_id", "language"),)


class Season(Base):
    __tablename__ = "catalog_seasons"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    title_id: Mapped[str] = mapped_column(_title_fk(), index=True)
    number: Mapped[int] = mapped_column(Integer)
    synopsis: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("title_id", "number"),)


class Episode(Base):
    __tablename__ = "catalog_episodes"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    title_id: Mapped[str] = mapped_column(_title_fk(), index=True)
    season_id: Mapped[str] = mapped_column(
        ForeignKey("catalog_seasons.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    original_title: Mapped[str] = mapped_column(String(300))
    synopsis: Mapped[str] = mapped_column(Text, default="")
    runtime_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    asset_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    audio_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    subtitle_languages: Mapped[list[str]] = mapped_column(JSON, default=list)

    __table_args__ = (UniqueConstraint("season_id", "number"),)


class Person(Base):
    __tablename__ = "catalog_people"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), index=True)
    external_key: Mapped[str | None] = mapped_column(exact_string(255), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Credit(Base):
    __tablename__ = "catalog_credits"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    title_id: Mapped[str] = mapped_column(_title_fk(), index=True)
    person_id: Mapped[str] = mapped_column(
        ForeignKey("catalog_people.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    character: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Artwork(Base):
    """An image of a title; ``language`` "" is the one shown when no variant matches.
    ``variant`` "" is the image everyone sees; a named one is an alternate that only an
    experiment's ``artwork`` variant shows (docs/experiments.md)."""

    __tablename__ = "catalog_artwork"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    title_id: Mapped[str] = mapped_column(_title_fk(), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(35), default="")
    object_key: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(100))
    #: ``upload`` (studio) or ``media`` (taken from the pipeline's thumbnails).
    source: Mapped[str] = mapped_column(String(8), default="upload")
    variant: Mapped[str] = mapped_column(String(32), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("title_id", "kind", "language", "variant"),)


class Rating(Base):
    __tablename__ = "catalog_ratings"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    title_id: Mapped[str] = mapped_column(_title_fk(), index=True)
    #: ISO code, or ``*`` for the title's default rating.
    territory: Mapped[str] = mapped_column(String(2))
    system: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(16))
    #: 0 kids, 1 teen, 2 adult (see :mod:`marquee.catalog.ratings`).
    maturity_rank: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("title_id", "territory"),)


class Window(Base):
    """A licence window: where (as the contract names it) and when a title may be offered."""

    __tablename__ = "catalog_windows"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    title_id: Mapped[str] = mapped_column(_title_fk(), index=True)
    territories: Mapped[list[str]] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    licensor: Mapped[str] = mapped_column(String(200), default="")
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Viewers in its territories may download the title to watch offline (docs/downloads.md).
    downloads_allowed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    codes: Mapped[list[WindowTerritory]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class WindowTerritory(Base):
    """One country (or ``*``) a window covers, expanded when the window is saved."""

    __tablename__ = "catalog_window_territories"

    window_id: Mapped[str] = mapped_column(
        ForeignKey("catalog_windows.id", ondelete="CASCADE"), primary_key=True
    )
    territory: Mapped[str] = mapped_column(String(2), primary_key=True)
    title_id: Mapped[str] = mapped_column(id_column_type())

    __table_args__ = (Index("ix_catalog_window_territories_lookup", "territory", "title_id"),)


class Upload(Base):
    """A resumable (tus) upload; its bytes are parts in the object store until it completes."""

    __tablename__ = "catalog_uploads"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Object-store key of the whole file, once every byte has arrived.
    object_key: Mapped[str | None] = mapped_column(String(500), nullable=True)


class UploadPart(Base):
    __tablename__ = "catalog_upload_parts"

    upload_id: Mapped[str] = mapped_column(
        ForeignKey("catalog_uploads.id", ondelete="CASCADE"), primary_key=True
    )
    offset: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    object_key: Mapped[str] = mapped_column(String(500))


class Ingest(Base):
    """A media asset started from the studio for a title or one of its episodes."""

    __tablename__ = "catalog_ingests"

    asset_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title_id: Mapped[str] = mapped_column(_title_fk(), index=True)
    episode_id: Mapped[str | None] = mapped_column(id_column_type(), nullable=True)
    upload_id: Mapped[str] = mapped_column(id_column_type())
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEntry(Base):
    """Who changed what and when; kept when the entity itself is gone."""

    __tablename__ = "catalog_audit"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    title_id: Mapped[str | None] = mapped_column(id_column_type(), nullable=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(id_column_type())
    action: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_catalog_audit_title_at", "title_id", "at"),)
