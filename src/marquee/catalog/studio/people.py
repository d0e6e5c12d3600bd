"""People and credits: the people the catalog knows, and each title's cast and crew."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from marquee.catalog import repository as repo
from marquee.catalog import schemas
from marquee.catalog.errors import Invalid
from marquee.catalog.models import Credit, Person
from marquee.catalog.repository import row_or_404, title_or_404
from marquee.catalog.studio.audit import diff, record, touched
from marquee.catalog.views import credit_out
from marquee.kit.db import new_id


def create_person(
    session: Session, *, actor: str, name: str, external_key: str | None = None
) -> Person:
    person_id = create_people(session, actor=actor, people=[(name, external_key)])[0]
    return row_or_404(session, Person, person_id, "person")


def create_people(
    session: Session, *, actor: str, people: Sequence[tuple[str, str | None]]
) -> list[str]:
    """Several people, each ``(name, external key)``, in one insert; their ids, in order."""
    made = [(new_id(), name.strip(), key) for name, key in people]
    if made:
        rows = [{"id": i, "name": name, "external_key": key} for i, name, key in made]
        session.execute(insert(Person), rows)
    for person_id, name, _ in made:
        record(
            session,
            actor=actor,
            title_id=None,
            entity="person",
            entity_id=person_id,
            action="person.created",
            changes={"name": name},
        )
    return [person_id for person_id, _, _ in made]


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
    return set_credits_of_titles(session, actor=actor, credits={title_id: credits})[title_id]


def set_credits_of_titles(
    session: Session, *, actor: str, credits: Mapping[str, Sequence[schemas.CreditIn]]
) -> dict[str, list[schemas.Credit]]:
    """Replace the cast and crew of several titles (title id → credits in billing order) as
    :func:`set_credits` does each, with a few statements for them all."""
    titles = [title_or_404(session, title_id) for title_id in credits]
    people = {c.person_id for rows in credits.values() for c in rows}
    names = repo.people_names(session, people)
    if missing := people - set(names):
        raise Invalid(f"unknown people: {', '.join(sorted(missing))}")
    ids = [title.id for title in titles]
    found = repo.credits_by_title(session, ids)
    before = {title_id: [credit_out(c, p) for c, p in found[title_id]] for title_id in ids}
    session.execute(delete(Credit).where(Credit.title_id.in_(ids)))
    rows = [
        {"title_id": title.id, "position": position, **credit.model_dump()}
        for title in titles
        for position, credit in enumerate(credits[title.id])
    ]
    if rows:
        session.execute(insert(Credit), rows)
    after = {
        title.id: [
            schemas.Credit(name=names[c.person_id], **c.model_dump()) for c in credits[title.id]
        ]
        for title in titles
    }
    for title in titles:
        changes = {
            "from": [c.model_dump() for c in before[title.id]],
            "to": [c.model_dump() for c in after[title.id]],
        }
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
    return {title.id: after[title.id] for title in titles}
