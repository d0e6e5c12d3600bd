"""Every table that holds an account's or a profile's id is answered for by some domain's
``privacy`` module (kit.personal_data): the export gathers it and deletion is declared."""

from __future__ import annotations

from marquee import domains
from marquee.kit import personal_data
from marquee.kit.db import Base


def test_every_table_holding_an_account_or_profile_id_is_declared() -> None:
    domains.load_models()
    domains.load_personal_data()
    covered = personal_data.covered_tables()
    personal = {t.name for t in Base.metadata.sorted_tables if personal_data.holds_personal_data(t)}
    assert personal, "the walk finds identity's tables at least"
    assert sorted(personal - covered.keys()) == [], "tables nobody exports or erases"
    assert sorted(covered.keys() - Base.metadata.tables.keys()) == [], "declared, but no table"


def test_each_domain_answers_for_its_own_tables() -> None:
    domains.load_models()
    domains.load_personal_data()
    for table, domain in personal_data.covered_tables().items():
        assert table.startswith(f"{domain}_"), (table, domain)
    assert {holder.domain for holder in personal_data.holders()} <= set(domains.DOMAINS)
