"""``marquee experiments``: an experiment defined from a JSON file, started, listed and
stopped; a bad definition exits 2 with the reason and keeps nothing."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from marquee.cli.experiments import app as experiments_command
from tests.integration.analytics.conftest import World


def _cli(world: World, *args: str) -> Any:
    settings = world.platform.settings
    env = {
        "MARQUEE_DATA_DIR": str(settings.data_dir),
        "MARQUEE_DATABASE_URL": settings.resolved_database_url,
        "MARQUEE_ENV": "test",
        "MARQUEE_LOG_JSON": "false",
    }
    return CliRunner().invoke(experiments_command, list(args), env=env)


def _definition(tmp_path: Path, weights: tuple[int, int]) -> tuple[str, Path]:
    key = f"cli-{uuid.uuid4().hex[:8]}"
    body = {
        "key": key,
        "unit": "account",
        "variants": [
            {"key": "off", "weight": weights[0], "parameters": {}},
            {"key": "on", "weight": weights[1], "parameters": {"player": "v2"}},
        ],
    }
    path = tmp_path / f"{key}.json"
    path.write_text(json.dumps(body))
    return key, path


def test_define_start_list_and_stop_from_the_command_line(world: World, tmp_path: Path) -> None:
    key, path = _definition(tmp_path, (50, 50))
    created = _cli(world, "create", str(path))
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["state"] == "draft"
    assert json.loads(_cli(world, "start", key).stdout)["state"] == "running"
    listed = json.loads(_cli(world, "list").stdout)
    assert key in [e["key"] for e in listed]
    assert json.loads(_cli(world, "stop", key).stdout)["state"] == "stopped"
    again = _cli(world, "stop", key)
    assert again.exit_code == 2
    assert "only a running one stops" in again.output


def test_a_bad_definition_exits_2_and_keeps_nothing(world: World, tmp_path: Path) -> None:
    key, path = _definition(tmp_path, (50, 60))
    refused = _cli(world, "create", str(path))
    assert refused.exit_code == 2
    assert "add up to 110" in refused.output
    missing = _cli(world, "results", key)
    assert missing.exit_code == 2
    assert f"no experiment '{key}'" in missing.output
