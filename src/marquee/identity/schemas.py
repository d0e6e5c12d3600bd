"""Identity's API types. Other domains may import these (and :mod:`.service`)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, EmailStr, Field, TypeAdapter, ValidationError

Role = Literal["viewer", "editor", "admin", "analyst"]
Maturity = Literal["kids", "teen", "adult"]

_BCP47 = re.compile(
    r"^(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})"  # language (and extended language)
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"  # variants
    r"(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*"  # extensions
    r"(?:-x(?:-[a-z0-9]{1,8})+)?$",  # private use
    re.IGNORECASE,
)


def language_tag(value: str) -> str:
    """A well-formed BCP 47 tag in its conventional case (``zh-hant-tw`` → ``zh-Hant-TW``)."""
    if not _BCP47.match(value):
        raise ValueError(f"{value!r} is not a BCP 47 language tag (e.g. en, pt-BR, zh-Hant-TW)")
    subtags = value.split("-")
    out = [subtags[0].lower()]
    for subtag in subtags[1:]:
        if len(out[-1]) == 1:  # after a singleton: extensions keep lower case
            out.extend(s.lower() for s in subtags[len(out) :])
            break
        if len(subtag) == 2 and subtag.isalpha():
            out.append(subtag.upper())
        elif len(subtag) == 4 and subtag.isalpha():
            out.append(subtag.title())
        else:
            out.append(subtag.lower())
    return "-".join(out)


LanguageTag = Annotated[str, Field(max_length=35), AfterValidator(language_tag)]

_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f"  # control characters, NUL included
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, overrides, isolates
    "\u200b-\u200d\u2060\ufeff]"  # zero-width space, non-joiner, joiner, word joiner, BOM
)


def clean_name(value: str) -> str:
    """A profile name without control, bidi-override or zero-width characters (they are taken
    out, not refused) and without surrounding space; one with nothing visible left is refused."""
    cleaned = _INVISIBLE.sub("", value).strip()
    if not cleaned:
        raise ValueError("a profile name needs at least one visible character")
    return cleaned


ProfileName = Annotated[str, Field(min_length=1, max_length=50), AfterValidator(clean_name)]
_EMAIL = TypeAdapter(EmailStr)


def email_address(value: str) -> str | None:
    """``value`` as the API's email fields accept it (``EmailStr``), or None when they would
    refuse it."""
    try:
        return _EMAIL.validate_python(value)
    except ValidationError:
        return None


Password = Annotated[str, Field(min_length=1, max_length=1024)]
Pin = Annotated[str, Field(pattern=r"^[0-9]{4}$", description="Four digits")]


class Credentials(BaseModel):
    email: EmailStr
    password: Password


class Tokens(BaseModel):
    account_id: str
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (a scheme name)
    expires_in: float = Field(description="Seconds the access token is valid for")


class MfaChallenge(BaseModel):
    mfa_required: Literal[True] = True
    mfa_token: str = Field(description="Send it with a code to POST /api/v1/auth/login/mfa")


class MfaLogin(BaseModel):
    mfa_token: str
    code: str = Field(min_length=6, max_length=32, description="TOTP code or a recovery code")


class RefreshRequest(BaseModel):
    refresh_token: str = Field(max_length=512)


class EmailRequest(BaseModel):
    email: EmailStr


class TokenRequest(BaseModel):
    token: str = Field(max_length=512)


class PasswordReset(BaseModel):
    token: str = Field(max_length=512)
    password: Password


class Caller(BaseModel):
    """Whose request it is: what other domains get from ``CurrentCaller``."""

    account_id: str
    session_id: str
    profile_id: str | None
    via_cookie: bool


class Principal(Caller):
    """The caller with its account's role: what other domains get from ``CurrentAccount``."""

    role: Role
    email_verified: bool


class AccountDetails(BaseModel):
    """What identity holds of an account. The API's ``Account`` (:mod:`marquee.billing.schemas`)
    is this and the account's subscription."""

    id: str
    email: str
    email_verified: bool
    role: Role
    mfa_enabled: bool
    created_at: datetime


class RoleChange(BaseModel):
    role: Role


class Profile(BaseModel):
    id: str
    name: str
    avatar: str
    language: str
    maturity: Maturity
    has_pin: bool
    autoplay_next: bool = Field(
        default=True, description="Play the next episode by itself after a countdown"
    )
    created_at: datetime


class ProfileCreate(BaseModel):
    name: ProfileName
    avatar: str = Field(default="", max_length=200)
    language: LanguageTag = "en"
    maturity: Maturity = "adult"
    pin: Pin | None = None
    autoplay_next: bool = True


class ProfileUpdate(BaseModel):
    """Only the fields sent change. Setting or removing ``pin`` needs the account ``password``."""

    name: ProfileName | None = None
    avatar: str | None = Field(default=None, max_length=200)
    language: LanguageTag | None = None
    maturity: Maturity | None = None
    autoplay_next: bool | None = None
    pin: Pin | None = None
    password: Password | None = None


class ProfileApproval(BaseModel):
    """One of the two: the account ``password``, or the ``pin`` of one of its adult profiles."""

    password: Password | None = None
    pin: Pin | None = None


class PinCheck(BaseModel):
    pin: Pin


class ProfileSelect(BaseModel):
    pin: Pin | None = None


class Device(BaseModel):
    id: str
    device_name: str
    ip: str
    ip_country: str | None = Field(description="ISO 3166-1 alpha-2, when the address is known")
    created_at: datetime
    last_seen_at: datetime
    current: bool


class EmailChange(BaseModel):
    new_email: EmailStr
    password: Password


class PasswordChange(BaseModel):
    current_password: Password
    new_password: Password


class PasswordConfirm(BaseModel):
    password: Password


class TotpSetup(BaseModel):
    secret: str
    otpauth_uri: str


class TotpConfirm(BaseModel):
    code: str = Field(min_length=6, max_length=8)


class RecoveryCodes(BaseModel):
    recovery_codes: list[str]
