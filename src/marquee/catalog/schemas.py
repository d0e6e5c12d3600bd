"""The catalog's API types. Other domains may import these (and :mod:`.service`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from marquee.catalog.territories import COUNTRY_NAMES
from marquee.identity.schemas import LanguageTag, Maturity

Kind = Literal["movie", "series"]
Status = Literal["draft", "published", "retired"]
ArtworkKind = Literal["poster", "backdrop", "logo"]
Role = Literal["actor", "voice", "director", "writer", "creator", "producer", "composer"]
Year = Annotated[int, Field(ge=1870, le=2100)]
Seconds = Annotated[int, Field(ge=0, le=1_000_000)]
Name = Annotated[str, Field(min_length=1, max_length=300)]
Synopsis = Annotated[str, Field(max_length=5000)]


def _country(value: str) -> str:
    if value.upper() not in COUNTRY_NAMES:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return value.upper()


Country = Annotated[str, AfterValidator(_country)]
Label = Annotated[str, Field(min_length=1, max_length=80)]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class LocalizedText(BaseModel):
    title: Name
    synopsis: Synopsis = ""


class TitleCreate(BaseModel):
    kind: Kind
    original_title: Name
    original_language: LanguageTag
    synopsis: Synopsis = Field(default="", description="In the original language")
    release_year: Year | None = None
    runtime_s: Seconds | None = None
    genres: list[Label] = Field(default_factory=list, max_length=20)
    tags: list[Label] = Field(default_factory=list, max_length=50, description="Moods, themes")
    production_countries: list[Country] = Field(default_factory=list, max_length=50)
    localizations: dict[LanguageTag, LocalizedText] = Field(default_factory=dict)


class TitleUpdate(BaseModel):
    """Only the fields sent change."""

    original_title: Name | None = None
    original_language: LanguageTag | None = None
    synopsis: Synopsis | None = None
    release_year: Year | None = None
    runtime_s: Seconds | None = None
    genres: list[Label] | None = Field(default=None, max_length=20)
    tags: list[Label] | None = Field(default=None, max_length=50)
    production_countries: list[Country] | None = Field(default=None, max_length=50)


class SeasonCreate(BaseModel):
    number: int = Field(ge=0, le=1000, description="0 for specials")
    synopsis: Synopsis = ""


class SeasonUpdate(BaseModel):
    synopsis: Synopsis


class EpisodeCreate(BaseModel):
    number: int = Field(ge=1, le=10000)
    original_title: Name
    synopsis: Synopsis = ""
    runtime_s: Seconds | None = None
    localizations: dict[LanguageTag, LocalizedText] = Field(default_factory=dict)


class EpisodeUpdate(BaseModel):
    """Only the fields sent change."""

    original_title: Name | None = None
    synopsis: Synopsis | None = None
    runtime_s: Seconds | None = None


class PersonCreate(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]


class Person(_Out):
    id: str
    name: str


class CreditIn(BaseModel):
    person_id: str
    role: Role
    character: Annotated[str, Field(max_length=200)] = ""


class Credit(BaseModel):
    person_id: str
    name: str
    role: str
    character: str


class RatingIn(BaseModel):
    system: str | None = Field(
        default=None, description="Defaults to the territory's system (MARQUEE for '*')"
    )
    value: Annotated[str, Field(min_length=1, max_length=16)]


class Rating(BaseModel):
    territory: str = Field(description="ISO code, or * for the title's default rating")
    system: str
    value: str
    maturity: Maturity


class WindowIn(BaseModel):
    territories: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        min_length=1, max_length=300, description="ISO codes and region names (EU, WORLD…)"
    )
    starts_at: AwareDatetime = Field(description="Inclusive")
    ends_at: AwareDatetime | None = Field(default=None, description="Exclusive; none: open")
    licensor: Annotated[str, Field(max_length=200)] = ""
    exclusive: bool = False
    downloads_allowed: bool = Field(
        default=True, description="Viewers in its territories may download the title"
    )


class Window(_Out):
    id: str
    title_id: str
    territories: list[str]
    countries: list[str] = Field(description="What the territories expanded to (* = everywhere)")
    starts_at: datetime
    ends_at: datetime | None
    licensor: str
    exclusive: bool
    downloads_allowed: bool


class ExpiringWindow(Window):
    original_title: str
    status: Status


class DownloadTerms(BaseModel):
    """What the licence windows covering a viewer's territory now say of downloads."""

    allowed: bool = Field(description="One of them allows downloads")
    ends_at: datetime | None = Field(
        description="When the last of those allowing downloads ends; null: open-ended"
    )


class Artwork(BaseModel):
    id: str
    kind: ArtworkKind
    language: str = Field(description="'' for the language-neutral image")
    url: str
    source: Literal["upload", "media"]
    variant: str = Field(
        default="", description="'' for the image everyone sees; else an experiment's alternate"
    )


class StudioEpisode(_Out):
    id: str
    number: int
    original_title: str
    synopsis: str
    runtime_s: int | None
    asset_id: str | None
    audio_languages: list[str]
    subtitle_languages: list[str]
    localizations: dict[str, LocalizedText]


class StudioSeason(_Out):
    id: str
    number: int
    synopsis: str
    episodes: list[StudioEpisode]


class StudioTitle(BaseModel):
    """A title as editors see it: every language, rating and window."""

    id: str
    kind: Kind
    status: Status
    external_key: str | None
    original_title: str
    original_language: str
    synopsis: str
    release_year: int | None
    runtime_s: int | None
    genres: list[str]
    tags: list[str]
    production_countries: list[str]
    localizations: dict[str, LocalizedText]
    credits: list[Credit]
    ratings: list[Rating]
    windows: list[Window]
    artwork: list[Artwork]
    seasons: list[StudioSeason]
    asset_id: str | None
    audio_languages: list[str]
    subtitle_languages: list[str]
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class StudioTitleSummary(_Out):
    id: str
    kind: Kind
    status: Status
    original_title: str
    release_year: int | None
    updated_at: datetime
    media_status: str | None = Field(
        default=None, description="The latest ingest's pipeline status; none without an ingest"
    )
    licensed_now: list[str] = Field(
        default_factory=list, description="Countries a licence window covers now (* = everywhere)"
    )


class StudioTitlePage(BaseModel):
    items: list[StudioTitleSummary]
    page: int
    page_size: int
    total: int


class AuditEntry(_Out):
    id: str
    title_id: str | None
    entity: str
    entity_id: str
    action: str
    actor_id: str
    changes: dict[str, Any]
    at: datetime


class IngestStart(BaseModel):
    upload_id: str
    episode_id: str | None = Field(default=None, description="For an episode of a series")
    clear: bool = Field(default=False, description="Package without encryption")
    publish_when_ready: bool = False


class Ingest(BaseModel):
    asset_id: str
    title_id: str
    episode_id: str | None
    upload_id: str
    created_by: str
    created_at: datetime
    status: str = Field(description="pending, processing, ready or failed (the pipeline's)")
    failed_step: str | None = None
    error: str | None = None


class TitleSummary(BaseModel):
    """A title as a viewer sees it in a list, in the viewer's language."""

    id: str
    kind: Kind
    title: str
    synopsis: str
    language: str = Field(description="The language title and synopsis are in")
    release_year: int | None
    genres: list[str]
    rating: Rating | None
    poster: Artwork | None


class EpisodeView(BaseModel):
    id: str
    number: int
    title: str
    synopsis: str
    language: str
    runtime_s: int | None
    playable: bool
    audio_languages: list[str]
    subtitle_languages: list[str]


class SeasonView(BaseModel):
    id: str
    number: int
    synopsis: str
    episodes: list[EpisodeView]


class TitleView(TitleSummary):
    """One title as a viewer sees it: localized, rated for the viewer's territory."""

    original_title: str
    original_language: str
    runtime_s: int | None
    tags: list[str]
    production_countries: list[str]
    credits: list[Credit]
    artwork: list[Artwork]
    audio_languages: list[str]
    subtitle_languages: list[str]
    playable: bool
    seasons: list[SeasonView]


class TitlePage(BaseModel):
    items: list[TitleSummary]
    page: int
    page_size: int
    total: int


class CreditRecord(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    role: Role
    character: Annotated[str, Field(max_length=200)] = ""


class RatingRecord(RatingIn):
    territory: str = Field(description="ISO code, or * for the default rating")


class SeasonRecord(SeasonCreate):
    episodes: list[EpisodeCreate] = Field(default_factory=list)


class TitleRecord(TitleCreate):
    """One line of a JSON Lines import: a whole title, keyed by ``external_key``.

    A re-import replaces what the line lists (texts, genres, credits, ratings, windows) and
    updates seasons and episodes by number, keeping attached media.
    """

    model_config = ConfigDict(extra="forbid")

    external_key: Annotated[str, Field(min_length=1, max_length=255)]
    status: Status = "draft"
    credits: list[CreditRecord] = Field(default_factory=list)
    ratings: list[RatingRecord] = Field(default_factory=list)
    windows: list[WindowIn] = Field(default_factory=list)
    seasons: list[SeasonRecord] = Field(default_factory=list)


class ImportReport(BaseModel):
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = Field(
        default_factory=list, description="(line number, what is wrong) of each skipped row"
    )
