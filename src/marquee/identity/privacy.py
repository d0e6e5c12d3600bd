"""What identity holds of a person, for the account export (:mod:`marquee.kit.personal_data`).
Deleting the account deletes these rows at once (profiles, tokens and sign-in sessions by
cascade). The sign-in sessions reach the export as its ``devices``, from the account's own
answer, so they are not listed again here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.identity import repository, views
from marquee.identity.models import Account, EmailToken
from marquee.kit.personal_data import Holder, Subject, as_json, register

DELETED = "deleted with the account"


def export(session: Session, subject: Subject) -> Mapping[str, Any]:
    account = session.get(Account, subject.account_id)
    tokens = session.scalars(select(EmailToken).where(EmailToken.account_id == subject.account_id))
    return {
        "account": None if account is None else views.account(account).model_dump(mode="json"),
        "profiles": [
            views.profile(row).model_dump(mode="json")
            for row in repository.profiles_of(session, subject.account_id)
        ],
        "email_links": [as_json(row, leave_out=frozenset({"id"})) for row in tokens],
    }


register(
    Holder(
        domain="identity",
        tables={
            "identity_accounts": DELETED,
            "identity_profiles": DELETED,
            "identity_email_tokens": DELETED,
            "identity_sessions": DELETED,
        },
        export=export,
    )
)
