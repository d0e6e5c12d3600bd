"""The import contracts (``.importlinter``, run by ``make lint``) guard every module, present and
future: their layers are the domains of ``domains.DOMAINS`` in its order, and a new module that
reaches into another domain's internals fails the lint."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from marquee import domains

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / ".importlinter"


def _contract(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    return parser[f"importlinter:contract:{name}"]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.strip().splitlines() if line.strip()]


def test_the_layers_are_the_domains_in_their_order() -> None:
    layers = [layer.removeprefix("marquee.") for layer in _lines(_contract("layers")["layers"])]
    domain_layers = [layer for layer in layers if layer in domains.DOMAINS]
    assert domain_layers == list(reversed(domains.DOMAINS))
    assert layers[-1] == "kit", "kit, the plumbing, comes below every domain"


def test_every_domain_shows_only_its_faces_to_the_others() -> None:
    modules = _lines(_contract("domain-faces")["modules"])
    assert sorted(modules) == sorted(f"marquee.{domain}" for domain in domains.DOMAINS)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A copy of the source tree and the contracts, to break on purpose."""
    shutil.copytree(ROOT / "src" / "marquee", tmp_path / "marquee", ignore=_not_python)
    shutil.copy(CONFIG, tmp_path / ".importlinter")
    return tmp_path


def _not_python(directory: str, names: list[str]) -> list[str]:
    return [n for n in names if n in ("web", "__pycache__") or n.endswith((".js", ".css"))]


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    return subprocess.run(
        command,
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_untouched_copy_passes(scratch: Path) -> None:
    result = _lint(scratch)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("discovery/shortcut.py", "from marquee.catalog.models import Title"),
        ("billing/shortcut.py", "from marquee.identity.service import profiles"),
        ("identity/shortcut.py", "from marquee.billing import service"),
        ("kit/shortcut.py", "from marquee.catalog import service"),
        ("playback/shortcut.py", "from marquee import runtime"),
    ],
    ids=["another-domains-table", "a-module-behind-a-face", "upwards", "kit-to-domain", "root"],
)
def test_a_new_module_that_breaks_a_rule_fails_the_lint(
    scratch: Path, module: str, line: str
) -> None:
    (scratch / "marquee" / module).write_text(f'"""A shortcut."""\n\n{line}\n')
    result = _lint(scratch)
    assert result.returncode != 0
    assert "shortcut" in result.stdout, "the new module is named as the one that broke a rule"
