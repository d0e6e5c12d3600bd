"""An operator's commands finish at once while the broker is down: what they queue is committed
to the outbox in their own transaction, no command hands it on itself, and a node's relay
delivers it once the broker is back (issue 27: ``marquee user create`` was thought to wait on
the broker)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from marquee import migrate
from marquee.cli.main import app as cli
from marquee.kit.outbox import OutboxEntry
from marquee.runtime import build_platform
from marquee.settings import load_settings
from tests.integration.identity.conftest import PASSWORD, new_email

PROMPT_S = 10.0  # each takes about 1 s on a loaded 2-core machine; a wait on a broker, 60 s+


@pytest.fixture
def hung_broker() -> Iterator[int]:
    """A port that takes connections and never answers: a hung broker, which a client cannot
    tell from a slow one (a stopped one refuses at once)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield int(server.getsockname()[1])


def test_commands_finish_promptly_and_the_outbox_keeps_their_event_while_the_broker_is_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hung_broker: int
) -> None:
    database_url = f"sqlite:///{tmp_path / 'marquee.db'}"
    migrate.upgrade(database_url)
    monkeypatch.setenv("MARQUEE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MARQUEE_DATABASE_URL", database_url)
    monkeypatch.setenv("MARQUEE_LOG_JSON", "false")
    monkeypatch.setenv("MARQUEE_QUEUE_URL", f"amqp://guest:guest@127.0.0.1:{hung_broker}/")
    monkeypatch.setenv("MARQUEE_EVENTS_URL", f"nats://127.0.0.1:{hung_broker}")
    create = ["user", "create", "--email", new_email(), "--password", PASSWORD]

    answers = []
    for command in (create, ["search", "reindex"]):
        began = time.monotonic()
        answers.append(CliRunner().invoke(cli, command))
        took = time.monotonic() - began
        assert answers[-1].exit_code == 0, answers[-1].output
        assert took < PROMPT_S, f"marquee {' '.join(command[:2])} took {took:.1f} s"

    account_id = answers[0].stdout.strip()
    back = {"queue_url": "", "events_url": ""}  # the embedded broker and bus answer
    platform = build_platform(
        load_settings(data_dir=tmp_path / "var", database_url=database_url, **back)
    )
    try:
        with platform.db.sessions() as session:
            waiting = session.scalars(
                select(OutboxEntry).where(OutboxEntry.name == "identity.account_created")
            ).one()
        assert (waiting.payload["account_id"], waiting.delivered_at) == (account_id, None)
        assert platform.relay.relay_once() == 1  # a node whose broker answers hands it on
        with platform.db.sessions() as session:
            assert session.get(OutboxEntry, waiting.id).delivered_at is not None  # type: ignore[union-attr]
    finally:
        platform.stop()
