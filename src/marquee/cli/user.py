"""``marquee user``: accounts made by an operator (the first admin, test viewers)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from marquee.billing import service as billing
from marquee.cli.common import console, schema_ready_or_exit, settings_or_exit
from marquee.identity import service
from marquee.identity.schemas import Role
from marquee.kit.db import Database
from marquee.kit.errors import Problem
from marquee.settings import Settings


class RoleOption(StrEnum):
    viewer = "viewer"
    editor = "editor"
    admin = "admin"
    analyst = "analyst"


app = typer.Typer(help="Viewer, editor and admin accounts.", no_args_is_help=True)


@app.command("create")
def create(
    email: Annotated[str, typer.Option(help="Sign-in address.")],
    password: Annotated[str, typer.Option(help="Password (the sign-up rules apply).")],
    role: Annotated[RoleOption, typer.Option(help="What the account may do.")] = RoleOption.viewer,
    plan: Annotated[str | None, typer.Option(help="Plan id to subscribe to, e.g. premium.")] = None,
) -> None:
    """Create an account with a verified email, optionally on a plan."""
    settings = settings_or_exit()
    schema_ready_or_exit(settings)
    try:
        account_id = _create(settings, email, password, role.value, plan)
    except Problem as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None
    typer.echo(account_id)


def _create(settings: Settings, email: str, password: str, role: Role, plan: str | None) -> str:
    db = Database(settings.resolved_database_url)
    try:
        with db.transaction() as session:
            if service.account_exists(session, email=email):
                raise Problem(f"an account with {email} already exists")
            account = service.register_account(
                session,
                settings=settings,
                email=email,
                password=password,
                role=role,
                verified=True,
            )
            if plan is not None:
                billing.set_subscription(
                    session, settings=settings, account_id=account.id, plan_id=plan
                )
            return account.id
    finally:
        db.dispose()
