from __future__ import annotations

from pathlib import Path

from marquee.delivery.cache import DiskCache

KB = 1024


def put(cache: DiskCache, key: str, size: int) -> None:
    temp, out = cache.temp_file()
    with out:
        out.write(b"x" * size)
    cache.admit(key, temp)


def test_the_cache_never_holds_more_than_its_capacity(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, 100 * KB)
    for i in range(30):
        put(cache, f"assets/a/seg-{i}", 10 * KB)
    on_disk = sum(p.stat().st_size for p in (tmp_path / "data").rglob("*") if p.is_file())
    assert cache.bytes == on_disk <= 100 * KB


def test_a_scan_of_one_hit_objects_does_not_flush_popular_ones(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, 100 * KB)
    popular = [f"assets/hit/seg-{i}" for i in range(5)]
    for key in popular:
        put(cache, key, 10 * KB)
        cache.lookup(key)
    for i in range(50):  # one viewer streams a long-tail title once
        put(cache, f"assets/tail/seg-{i}", 10 * KB)
    assert all(key in cache for key in popular)


def test_the_index_is_rebuilt_at_start_and_partial_fills_are_removed(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, 100 * KB)
    put(cache, "assets/a/manifest.mpd", 3 * KB)
    cache.temp_file()[1].close()  # a fill interrupted by a crash
    again = DiskCache(tmp_path, 100 * KB)
    again.load()
    assert "assets/a/manifest.mpd" in again
    assert again.bytes == 3 * KB
    assert [p.name for p in (tmp_path / "data").iterdir() if p.is_file()] == []


def test_a_smaller_bound_at_restart_evicts_down_to_it(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, 100 * KB)
    for i in range(10):
        put(cache, f"assets/a/seg-{i}", 10 * KB)
    smaller = DiskCache(tmp_path, 50 * KB)
    smaller.load()
    assert smaller.bytes <= 50 * KB
