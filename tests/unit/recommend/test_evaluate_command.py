"""``marquee recommend evaluate``: its figures on an example worked out by hand, and its
answer to a file it cannot read."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marquee.cli.main import app

# Popularity in training: t1 (4 users) > t2 (3) > t3 (2) > t4 (1).
TRAIN = """\
u1\tt1\t5\t100
u1\tt2\t4\t101
u1\tt3\t3\t102
u1\tt4\t2\t103
u2\tt1\t4\t100
u2\tt2\t4\t101
u2\tt3\t1\t102
u3\tt1\t5\t100
u3\tt2\t3\t101
u4\tt1\t4\t100
"""
# u4 (has t1) is offered t2, t3, t4: its positives are t3 (2nd: a hit) and t9 (never in
# training); t2 rated 3 is no positive. u3's only test rating is 2: no positive, not counted.
# u5 has no training history: offered t1 first, its one positive.
TEST = """\
u4\tt3\t5\t200
u4\tt9\t4\t201
u4\tt2\t3\t202
u3\tt4\t2\t200
u5\tt1\t4\t200
"""


def _files(tmp_path: Path, train: str = TRAIN, test: str = TEST) -> list[str]:
    (tmp_path / "train.tsv").write_text(train)
    (tmp_path / "test.tsv").write_text(test)
    return ["--train", str(tmp_path / "train.tsv"), "--test", str(tmp_path / "test.tsv")]


def test_the_figures_of_a_worked_example(tmp_path: Path) -> None:
    args = ["recommend", "evaluate", *_files(tmp_path), "--model", "popularity", "--json"]

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    figures = json.loads(lines[0])
    u4_ndcg = (1 / math.log2(3)) / (1 + 1 / math.log2(3))  # hit at 2 of 2 positives
    assert figures["model"] == "popularity"
    assert figures["ndcg@10"] == pytest.approx((u4_ndcg + 1.0) / 2, abs=1e-6)
    assert figures["recall@20"] == pytest.approx((1 / 2 + 1 / 1) / 2, abs=1e-6)
    assert figures["users"] == 2
    assert figures["train_s"] >= 0
    assert list(figures) == ["model", "ndcg@10", "recall@20", "users", "train_s"]


def test_recall_counts_at_most_twenty_positives(tmp_path: Path) -> None:
    train = "".join(f"u{n}\tt{i}\t4\t1\n" for n in range(30) for i in range(n + 1))
    test = "".join(f"new\tt{i}\t5\t2\n" for i in range(25))
    args = ["recommend", "evaluate", *_files(tmp_path, train, test), "--model", "popularity"]

    result = CliRunner().invoke(app, [*args, "--json"])

    figures = json.loads(result.stdout)
    assert figures["recall@20"] == pytest.approx(1.0)  # the 20 most popular are all positives
    assert figures["ndcg@10"] == pytest.approx(1.0)


def test_without_a_model_it_evaluates_the_production_model(tmp_path: Path) -> None:
    from marquee.recommend.service import PRODUCTION_MODEL

    result = CliRunner().invoke(app, ["recommend", "evaluate", *_files(tmp_path), "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["model"] == PRODUCTION_MODEL


def test_a_malformed_line_is_named_by_file_and_line(tmp_path: Path) -> None:
    args = _files(tmp_path, TRAIN + "u9\tt1\t4\n")

    result = CliRunner().invoke(app, ["recommend", "evaluate", *args, "--json"])

    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"{tmp_path / 'train.tsv'}:11: expected 4 tab-separated fields "
        "(user item rating timestamp), found 3"
    )
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("u1\tt1\tgood\t5", "rating 'good' is not a number"),
        ("u1\tt1\t4\tyesterday", "timestamp 'yesterday' is not an integer"),
        ("u1 t1 4 5", "expected 4 tab-separated fields (user item rating timestamp), found 1"),
        ("\tt1\t4\t5", "empty user or item"),
    ],
)
def test_each_malformed_test_line_says_why(tmp_path: Path, line: str, reason: str) -> None:
    args = _files(tmp_path, test=f"u1\tt2\t4\t5\n\n{line}\n")

    result = CliRunner().invoke(app, ["recommend", "evaluate", *args])

    assert result.exit_code == 2
    assert result.stderr.strip() == f"{tmp_path / 'test.tsv'}:3: {reason}"


def test_an_empty_training_file_is_refused(tmp_path: Path) -> None:
    args = _files(tmp_path, train="\n")

    result = CliRunner().invoke(app, ["recommend", "evaluate", *args])

    assert result.exit_code == 2
    assert result.stderr.strip() == f"{tmp_path / 'train.tsv'}: no ratings to train on"


def test_an_unknown_model_is_refused_with_the_names_to_use(tmp_path: Path) -> None:
    args = ["recommend", "evaluate", *_files(tmp_path), "--model", "magic"]

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 2
    assert "unknown model 'magic'" in result.stderr
    assert "ease" in result.stderr
