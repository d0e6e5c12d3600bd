from __future__ import annotations

import pytest

from marquee.cli.edge import parse_size
from marquee.delivery.headers import RangeNotSatisfiable, byte_range, cache_control, content_type


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-99", (0, 99)),
        ("bytes=900-", (900, 999)),
        ("bytes=-100", (900, 999)),
        ("bytes=990-5000", (990, 999)),
        ("bytes=0-1,5-6", None),
        ("items=0-1", None),
    ],
)
def test_byte_ranges(header: str | None, expected: tuple[int, int] | None) -> None:
    assert byte_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5-2", "bytes=-0"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, 1000)


def test_types_and_caching_by_object_kind() -> None:
    assert content_type("assets/a/manifest.mpd") == "application/dash+xml"
    assert content_type("assets/a/hls/main.m3u8") == "application/vnd.apple.mpegurl"
    assert "immutable" in cache_control("assets/a/video/seg-1.m4s")
    assert cache_control("assets/a/hls/main.m3u8") == "public, max-age=10"


def test_cache_sizes() -> None:
    assert parse_size("10G") == 10 * 1024**3
    assert parse_size("500M") == 500 * 1024**2
    assert parse_size("4096") == 4096
