"""What billing holds of a person, for the account export (:mod:`marquee.kit.personal_data`):
the subscription and the vouchers it redeemed, deleted with the account by the database (a
cascade from identity's row), and its invoices, which tax law keeps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.billing.models import Invoice, Subscription, VoucherRedemption
from marquee.kit.personal_data import Holder, Subject, as_json, register


def export(session: Session, subject: Subject) -> Mapping[str, Any]:
    rows = session.scalars(
        select(Subscription).where(Subscription.account_id == subject.account_id)
    )
    redemptions = session.scalars(
        select(VoucherRedemption).where(VoucherRedemption.account_id == subject.account_id)
    )
    invoices = session.scalars(select(Invoice).where(Invoice.account_id == subject.account_id))
    return {
        "subscriptions": [as_json(row) for row in rows],
        "voucher_redemptions": [as_json(row) for row in redemptions],
        "invoices": [as_json(row) for row in invoices],
    }


register(
    Holder(
        domain="billing",
        tables={
            "billing_subscriptions": "deleted with the account (database cascade)",
            "billing_voucher_redemptions": "deleted with the account (database cascade)",
            "billing_invoices": "kept, as tax law requires, with the e-mail address they were "
            "issued to; the link to the account is cleared (database SET NULL)",
        },
        export=export,
    )
)
