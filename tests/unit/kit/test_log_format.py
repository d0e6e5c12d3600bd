"""Logs are short lines for a person at a terminal and JSON lines for services; the setting
``MARQUEE_LOG_JSON`` overrides the choice either way."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import pytest

#: What a command does: read its settings (which configures logging), then log.
SCRIPT = """
import logging, warnings
from marquee.cli.common import settings_or_exit
settings_or_exit()
logging.getLogger("marquee.media.pipeline").warning("disk nearly full")
logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
warnings.warn("this API goes away in 3.0", UserWarning, stacklevel=1)
"""


def _stderr_lines(*, terminal: bool, log_json: str | None = None) -> list[str]:
    """The stderr of the script, its stdout a terminal (a pseudo-terminal) or a pipe."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARQUEE_")}
    env |= {"MARQUEE_LOG_JSON": log_json} if log_json is not None else {}
    env["COLUMNS"] = "200"
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT],
            env=env,
            stdout=follower if terminal else subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=True,
        )
    finally:
        os.close(leader)
        os.close(follower)
    return [line for line in done.stderr.splitlines() if line.strip()]


def test_a_terminal_gets_short_lines_without_developer_chatter() -> None:
    lines = _stderr_lines(terminal=True)
    assert len(lines) == 1, lines
    assert lines[0].split() == ["WARNING", "marquee.media.pipeline", "disk", "nearly", "full"]


@pytest.mark.parametrize(("terminal", "log_json"), [(False, None), (True, "true")])
def test_services_and_a_forced_setting_get_json_lines_of_everything(
    terminal: bool, log_json: str | None
) -> None:
    records = [json.loads(line) for line in _stderr_lines(terminal=terminal, log_json=log_json)]
    assert [(r["level"], r["logger"]) for r in records] == [
        ("WARNING", "marquee.media.pipeline"),
        ("INFO", "alembic.runtime.migration"),
        ("WARNING", "py.warnings"),
    ]
    assert records[0]["message"] == "disk nearly full"


def test_the_setting_gives_a_pipe_short_lines_too() -> None:
    lines = _stderr_lines(terminal=False, log_json="false")
    assert lines[0].split()[:2] == ["WARNING", "marquee.media.pipeline"]
    assert not any(line.startswith("{") for line in lines)
