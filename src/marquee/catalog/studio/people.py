"""People and credits: the people the catalog knows, and each title's cast and crew."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from marquee.catalog import repository as repo
from marquee.catalog import schemas
from marquee.catalog.errors import Invalid
from marquee.catalog.models import Credit, Person
from marquee.catalog.repository import row_or_404, title_or_404
from marquee.catalog.studio.audit import diff, record, touched
from marquee.catalog.views import credits_of


def create_person(
    session: Session, *, actor: str, name: str, external_key: str | None = None
) -> Person:
    person = Person(name=name.strip(), external_key=external_key)
    session.add(person)
    session.flush()
    record(
        session,
        actor=actor,
        title_id=None,
        entity="person",
        entity_id=person.id,
        action="person.created",
        changes={"name": person.name},
    )
    return person


def rename_person(session: Session, *, actor: str, person_id: str, name: str) -> Person:
    person = row_or_404(session, Person, person_id, "person")
    changes = diff(person, {"name": name.strip()})
    if changes:
        record(
            session,
            actor=actor,
            title_id=None,
            entity="person",
            entity_id=person.id,
            action="person.updated",
            changes=changes,
        )
    return person


def find_people(session: Session, *, search: str, limit: int = 50) -> list[Person]:
    return repo.people(session, search, limit)


def set_credits(
    session: Session, *, actor: str, title_id: str, credits: Sequence[schemas.CreditIn]
) -> list[schemas.Credit]:
    """Replace the title's cast and crew, in billing order."""
    title = title_or_404(session, title_id)
    people = {c.person_id for c in credits}
    known = set(session.scalars(select(Person.id).where(Person.id.in_(people))))
    if missing := people - known:
        raise Invalid(f"unknown people: {', '.join(sorted(missing))}")
    before = [c.model_dump() for c in credits_of(session, title_id=title_id)]
    session.execute(delete(Credit).where(Credit.title_id == title.id))
    for position, credit in enumerate(credits):
        session.add(Credit(title_id=title.id, position=position, **credit.model_dump()))
    session.flush()
    after = credits_of(session, title_id=title_id)
    changes = {"from": before, "to": [c.model_dump() for c in after]}
    record(
        session,
        actor=actor,
        title_id=title.id,
        entity="title",
        entity_id=title.id,
        action="credits.set",
        changes=changes,
    )
    touched(session, title=title)
    return after
