"""``marquee billing``: an operator's side of billing (grants, vouchers and refunds)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, TypeVar

import typer
from sqlalchemy.orm import Session

from marquee.billing import service as billing
from marquee.billing.tasks import money
from marquee.cli.common import console, schema_ready_or_exit, settings_or_exit
from marquee.kit.db import Database, utcnow
from marquee.kit.errors import Problem
from marquee.settings import Settings

T = TypeVar("T")

app = typer.Typer(
    help="Subscriptions granted by hand, vouchers and gift codes, refunds.", no_args_is_help=True
)
voucher_app = typer.Typer(help="Vouchers and gift codes.", no_args_is_help=True)
app.add_typer(voucher_app, name="voucher")

Plan = Annotated[str, typer.Option("--plan", help="Plan id, e.g. premium.")]
Days = Annotated[int, typer.Option("--days", min=1, help="Days of the plan it gives.")]


def _in_transaction(work: Callable[[Session, Settings], T]) -> T:
    settings = settings_or_exit()
    schema_ready_or_exit(settings)
    db = Database(settings.resolved_database_url)
    try:
        with db.transaction() as session:
            return work(session, settings)
    except Problem as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None
    finally:
        db.dispose()


@voucher_app.command("create")
def create_voucher(
    plan: Plan,
    days: Days,
    uses: Annotated[
        int, typer.Option("--uses", min=1, help="How many accounts may redeem it.")
    ] = 1,
    valid_days: Annotated[
        int | None, typer.Option("--valid-days", min=1, help="Redeemable for this many days.")
    ] = None,
) -> None:
    """Make a voucher and print its code (POST /api/v1/account/subscription/redeem takes it)."""
    expires_at = None if valid_days is None else utcnow() + timedelta(days=valid_days)
    code = _in_transaction(
        lambda session, _settings: billing.create_voucher(
            session, plan_id=plan, days=days, uses=uses, expires_at=expires_at
        )
    )
    typer.echo(code)


@app.command("grant")
def grant(
    account: Annotated[str, typer.Option("--account", help="Account id (marquee user create).")],
    plan: Plan,
    days: Days,
) -> None:
    """Give an account days of a plan, without payment."""
    sub = _in_transaction(
        lambda session, settings: billing.grant(
            session, account_id=account, plan_id=plan, days=days, settings=settings
        )
    )
    typer.echo(f"{sub.plan_id} until {sub.current_period_end.isoformat()}")


@app.command("refund")
def refund(
    invoice: Annotated[str, typer.Option("--invoice", help="Invoice number, e.g. INV-000042.")],
    amount: Annotated[
        int | None,
        typer.Option("--amount", min=1, help="Minor units (cents); default: all that is left."),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Printed on the credit note.")
    ] = None,
    key: Annotated[
        str | None,
        typer.Option("--key", help="Idempotency key: the same key again refunds nothing more."),
    ] = None,
) -> None:
    """Refund an invoice through its provider and print the credit note's number."""
    note, made = _in_transaction(
        lambda session, settings: billing.refund(
            session,
            settings=settings,
            number=invoice,
            key=key or f"cli-{uuid.uuid4().hex}",
            amount=amount,
            reason=reason,
        )
    )
    done = "refunded" if made else "already refunded with this key"
    typer.echo(f"{note.number} {done}: {money(note.total, note.currency)}")
