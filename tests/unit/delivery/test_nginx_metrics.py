from __future__ import annotations

import json
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from marquee.delivery.nginx_metrics import LogFollower, NginxEdgeMetrics, upstream_seconds


def line(status: int, cache: str, size: int = 0, upstream: str = "-") -> str:
    entry = {"status": status, "cache": cache, "bytes": size, "upstream_s": upstream}
    return json.dumps(entry) + "\n"


def test_the_follower_reads_appended_lines_once_and_a_rotated_log_to_its_end(
    tmp_path: Path,
) -> None:
    path = tmp_path / "access.log"
    follower = LogFollower(path)
    assert list(follower.lines()) == []
    path.write_text("a\nb\npart")
    assert list(follower.lines()) == [b"a", b"b"]
    with path.open("a") as log:
        log.write("ial\n")
    assert list(follower.lines()) == [b"partial"]
    path.rename(tmp_path / "access.log.1")
    with (tmp_path / "access.log.1").open("a") as log:
        log.write("before reopen\n")
    assert list(follower.lines()) == [b"before reopen"]
    path.write_text("c\n")
    assert list(follower.lines()) == [b"c"]
    path.write_text("")  # truncated (copytruncate), then written again
    assert list(follower.lines()) == []
    path.write_text("d\n")
    assert list(follower.lines()) == [b"d"]


def test_log_lines_are_counted_as_the_python_edge_counts(tmp_path: Path) -> None:
    log, cache = tmp_path / "access.log", tmp_path / "cache"
    (cache / "a" / "bc").mkdir(parents=True)
    (cache / "a" / "bc" / "obj").write_bytes(b"x" * 700)
    log.write_text(
        line(200, "MISS", 500, "0.020")
        + line(206, "HIT", 100)
        + line(304, "HIT")
        + line(403, "")
        + line(502, "MISS", 90, "0.002")
        + line(404, "MISS", 9, "0.001")
        + "not json\n"
    )
    text = NginxEdgeMetrics(log, cache, 4096).scrape().decode()
    families = text_string_to_metric_families(text)
    found = {s.name: s.value for family in families for s in family.samples}
    assert found["marquee_edge_hits_total"] == 2
    assert found["marquee_edge_misses_total"] == 1
    assert found["marquee_edge_served_bytes_total"] == 600
    assert found["marquee_edge_rejected_total"] == 1
    assert found["marquee_edge_origin_errors_total"] == 1
    assert found["marquee_edge_fill_seconds_count"] == 1
    assert found["marquee_edge_fill_seconds_sum"] == 0.02
    assert (found["marquee_edge_cache_bytes"], found["marquee_edge_cache_objects"]) == (700, 1)
    assert found["marquee_edge_cache_capacity_bytes"] == 4096


def test_upstream_times_of_several_tries_add_up() -> None:
    assert upstream_seconds("0.010, 0.004 : 0.001") == 0.015
    assert upstream_seconds("-") is None
