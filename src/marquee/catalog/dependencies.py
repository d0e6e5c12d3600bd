"""FastAPI dependencies of the catalog's routes: who is watching from where, who edits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from marquee.catalog.localize import accept_language
from marquee.identity.schemas import Maturity, Principal
from marquee.identity.service import CurrentProfile, require_role
from marquee.kit.storage import ObjectStore
from marquee.kit.web import ClientCountry
from marquee.settings import Settings


@dataclass(frozen=True)
class Viewer:
    territory: str
    maturity: Maturity
    #: Most wanted first: the profile's language, then the browser's.
    languages: list[str]


def current_viewer(
    profile: CurrentProfile,
    country: ClientCountry,
    accept: Annotated[str | None, Header(alias="Accept-Language")] = None,
) -> Viewer:
    return Viewer(country, profile.maturity, [profile.language, *accept_language(accept)])


def platform_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.platform.settings
    return settings


def platform_storage(request: Request) -> ObjectStore:
    storage: ObjectStore = request.app.state.platform.storage
    return storage


def editor_id(principal: Annotated[Principal, Depends(require_role("editor"))]) -> str:
    """The account id of a caller with the editor (or admin) role; 403 for viewers."""
    return principal.account_id


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
SettingsDep = Annotated[Settings, Depends(platform_settings)]
StorageDep = Annotated[ObjectStore, Depends(platform_storage)]
Editor = Annotated[str, Depends(editor_id)]
