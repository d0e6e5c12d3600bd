"""Identity's tables. Sign-in sessions (with their refresh-token families) and lock-outs live
here, the cache keeps copies of sessions for the hot path; rate-limit windows live in the cache."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from marquee.kit.db import Base, UTCDateTime, id_column_type, new_id, utcnow


class Account(Base):
    __tablename__ = "identity_accounts"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    totp_secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The TOTP time step of the last code used to sign in: codes of it and earlier are spent
    #: (see ``service.second_factor``), whatever the cache holds.
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recovery_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Profile(Base):
    __tablename__ = "identity_profiles"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(50))
    avatar: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(35), default="en")
    maturity: Mapped[str] = mapped_column(String(8), default="adult")
    pin_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    autoplay_next: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EmailToken(Base):
    """A single-use mailed token (verify email, change email, reset password).

    The secret part is an HMAC of the id under the platform secret, so the table (and the mail
    job's arguments) hold nothing that could be replayed without that secret.
    """

    __tablename__ = "identity_email_tokens"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(254))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SignInSession(Base):
    """A device's sign-in session (``sessions.SessionRecord`` as JSON): the truth the cached
    copy is rebuilt from, so that a flushed or restarted cache signs nobody out."""

    __tablename__ = "identity_sessions"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), index=True
    )
    record: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The family's current refresh token (its generation and nonce's digest, copied into
    #: ``record``): a refresh moves them on with one conditional UPDATE, so that of two uses
    #: of a token only one can win, whatever the cache holds.
    refresh_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    refresh_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")


class Lockout(Base):
    """Failures in a row of one subject (a hashed email or profile id) at one check (sign-in,
    PIN), and until when it is locked out."""

    __tablename__ = "identity_lockouts"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    counted_until: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
