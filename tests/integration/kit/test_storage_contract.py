"""One contract for every ObjectStore: the local directory and S3 (moto's server mode)."""

from __future__ import annotations

import hashlib
import io
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from marquee.kit.storage import (
    LocalObjectStore,
    ObjectNotFound,
    ObjectStore,
    S3ObjectStore,
    open_object_store,
)

MIB = 1024 * 1024
PATTERN = bytes(range(251))


class PatternStream(io.RawIOBase):
    """``size`` deterministic bytes made as they are read, recording the largest single read."""

    def __init__(self, size: int, *, on_read: Any = None, fail_after: int | None = None) -> None:
        self.size = size
        self.offset = 0
        self.largest_read = 0
        self.digest = hashlib.sha256()
        self.on_read = on_read
        self.fail_after = fail_after

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.fail_after is not None and self.offset >= self.fail_after:
            raise StreamBrokeError("the source went away")
        if self.on_read is not None:
            self.on_read()
        count = min(len(buffer), self.size - self.offset)
        chunk = pattern(self.offset, count)
        buffer[:count] = chunk
        self.digest.update(chunk)
        self.offset += count
        self.largest_read = max(self.largest_read, count)
        return count

    def readall(self) -> bytes:
        buffer = bytearray(self.size - self.offset)
        return bytes(buffer[: self.readinto(buffer)])


class StreamBrokeError(Exception):
    pass


def pattern(offset: int, count: int) -> bytes:
    start = offset % len(PATTERN)
    return (PATTERN * (count // len(PATTERN) + 2))[start : start + count]


def stream(size: int, **options: Any) -> tuple[PatternStream, io.BufferedReader]:
    raw = PatternStream(size, **options)
    return raw, io.BufferedReader(raw)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def s3_url(endpoint: str, bucket: str) -> str:
    return f"s3://{bucket}?endpoint_url={endpoint}&region=us-east-1"


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return open_object_store(f"file://{tmp_path / 'objects'}")
    request.getfixturevalue("s3_env")
    endpoint = request.getfixturevalue("s3_endpoint")
    opened = open_object_store(s3_url(endpoint, f"test-{uuid.uuid4().hex[:12]}"))
    assert isinstance(opened, S3ObjectStore)
    opened.create_bucket()
    return opened


def keys(store: ObjectStore, prefix: str = "") -> list[str]:
    return [info.key for info in store.list(prefix)]


def test_large_stream_round_trips_in_chunks(store: ObjectStore) -> None:
    size = 20 * MIB + 123
    raw, source = stream(size)
    info = store.put("sources/big.bin", cast(Any, source), content_type="video/mp4")
    assert info.size == size
    assert raw.largest_read <= 16 * MIB
    digest, chunks = hashlib.sha256(), 0
    for chunk in store.get("sources/big.bin"):
        assert len(chunk) < size
        digest.update(chunk)
        chunks += 1
    assert chunks > 1
    assert digest.hexdigest() == raw.digest.hexdigest()


def test_put_bytes_and_info_agree(store: ObjectStore) -> None:
    put = store.put_bytes("assets/a/manifest.mpd", b"<MPD/>", content_type="application/dash+xml")
    assert store.get_bytes("assets/a/manifest.mpd") == b"<MPD/>"
    assert store.info("assets/a/manifest.mpd") == put
    assert put.size == 6
    assert put.etag


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(0, 0, slice(0, 1), id="first-byte"),
        pytest.param(100, 199, slice(100, 200), id="middle"),
        pytest.param(1023, 1023, slice(1023, 1024), id="last-byte"),
        pytest.param(1000, 5000, slice(1000, 1024), id="end-past-the-end"),
        pytest.param(1024, 2000, slice(1024, 1024), id="start-past-the-end"),
    ],
)
def test_byte_ranges(store: ObjectStore, start: int, end: int, expected: slice) -> None:
    data = pattern(0, 1024)
    store.put_bytes("seg.m4s", data)
    assert store.get_range("seg.m4s", start, end) == data[expected]


@pytest.mark.parametrize(("start", "end"), [(5, 4), (-1, 3)])
def test_invalid_ranges_are_refused(store: ObjectStore, start: int, end: int) -> None:
    store.put_bytes("seg.m4s", b"0123456789")
    with pytest.raises(ValueError, match="range"):
        store.get_range("seg.m4s", start, end)


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda s, p: s.get("missing/key"), id="get"),
        pytest.param(lambda s, p: s.get_bytes("missing/key"), id="get_bytes"),
        pytest.param(lambda s, p: s.get_range("missing/key", 0, 9), id="get_range"),
        pytest.param(lambda s, p: s.info("missing/key"), id="info"),
        pytest.param(lambda s, p: s.download_to("missing/key", str(p / "out")), id="download_to"),
    ],
)
def test_missing_key_raises_object_not_found(store: ObjectStore, tmp_path: Path, read: Any) -> None:
    with pytest.raises(ObjectNotFound):
        read(store, tmp_path)
    assert not (tmp_path / "out").exists()


def test_exists_and_delete(store: ObjectStore) -> None:
    store.put_bytes("thumbs/1.jpg", b"jpeg")
    assert store.exists("thumbs/1.jpg")
    store.delete("thumbs/1.jpg")
    assert not store.exists("thumbs/1.jpg")
    store.delete("thumbs/1.jpg")
    store.delete("never/was")
    assert keys(store) == []


def test_list_is_in_key_order_and_limited_to_the_prefix(store: ObjectStore) -> None:
    names = [
        "sources/z",
        "assets/abc",
        "assets/ab/x",
        "assets/b/y",
        "assets.txt",
        "assets/ab-1",
        "assets/ab/w/v",
    ]
    for size, name in enumerate(names):
        store.put_bytes(name, b"x" * size)
    assert keys(store) == sorted(names)
    assert keys(store, "assets/ab") == ["assets/ab-1", "assets/ab/w/v", "assets/ab/x", "assets/abc"]
    assert keys(store, "assets/ab/") == ["assets/ab/w/v", "assets/ab/x"]
    assert keys(store, "nothing/") == []
    assert [info.size for info in store.list("sources/")] == [0]
    assert [info.size for info in store.list("assets/b/")] == [3]


def test_delete_prefix_removes_only_that_prefix(store: ObjectStore) -> None:
    for name in ["assets/1/a", "assets/1/b/c", "assets/10/a", "assets/2/a"]:
        store.put_bytes(name, b"x")
    assert store.delete_prefix("assets/1/") == 2
    assert keys(store) == ["assets/10/a", "assets/2/a"]
    assert store.delete_prefix("assets/1/") == 0


def test_download_to_and_upload_from(store: ObjectStore, tmp_path: Path) -> None:
    source = tmp_path / "in.bin"
    source.write_bytes(pattern(0, 3 * MIB))
    info = store.upload_from(str(source), "sources/in.bin", content_type="video/mp4")
    assert info == store.info("sources/in.bin")
    assert info.size == 3 * MIB
    source.write_bytes(b"changed afterwards")
    store.download_to("sources/in.bin", str(tmp_path / "out.bin"))
    assert (tmp_path / "out.bin").read_bytes() == pattern(0, 3 * MIB)


def test_overwrite_is_atomic_for_readers(store: ObjectStore) -> None:
    old = store.put_bytes("assets/a/master.m3u8", b"old")
    seen: list[bytes] = []
    _, source = stream(
        2 * MIB, on_read=lambda: seen.append(store.get_bytes("assets/a/master.m3u8"))
    )
    new = store.put("assets/a/master.m3u8", cast(Any, source))
    assert seen
    assert set(seen) == {b"old"}
    assert store.get_bytes("assets/a/master.m3u8") == pattern(0, 2 * MIB)
    assert new.etag != old.etag
    assert keys(store) == ["assets/a/master.m3u8"]


def test_failed_put_keeps_the_previous_object(store: ObjectStore) -> None:
    store.put_bytes("assets/a/init.mp4", b"previous")
    _, source = stream(12 * MIB, fail_after=MIB)
    with pytest.raises(StreamBrokeError):
        store.put("assets/a/init.mp4", cast(Any, source))
    assert store.get_bytes("assets/a/init.mp4") == b"previous"
    assert keys(store) == ["assets/a/init.mp4"]


@pytest.mark.parametrize(
    "key", ["../escape", "/etc/passwd", "a/../../escape", "a//b", "", "a/./b", "trailing/", "a\\b"]
)
def test_keys_that_escape_or_are_malformed_are_refused(store: ObjectStore, key: str) -> None:
    with pytest.raises(ValueError, match="key"):
        store.put_bytes(key, b"x")
    with pytest.raises(ValueError, match="key"):
        store.get_bytes(key)
    with pytest.raises(ValueError, match="key"):
        store.delete(key)


@pytest.mark.parametrize("prefix", ["../", "/abs", "a/../b/"])
def test_prefixes_that_escape_are_refused(store: ObjectStore, prefix: str) -> None:
    with pytest.raises(ValueError, match="key"):
        list(store.list(prefix))
    with pytest.raises(ValueError, match="key"):
        store.delete_prefix(prefix)


def test_ping(store: ObjectStore) -> None:
    store.ping()


def test_local_path_is_the_file_under_the_root(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    store.put_bytes("assets/a/seg-1.m4s", b"segment")
    path = store.local_path("assets/a/seg-1.m4s")
    assert path == (tmp_path / "objects" / "assets/a/seg-1.m4s").resolve()
    assert path.read_bytes() == b"segment"
    with pytest.raises(ObjectNotFound):
        store.local_path("assets/a/seg-2.m4s")
    with pytest.raises(ValueError, match="key"):
        store.local_path("../outside")


def test_local_store_leaves_no_temporary_files_or_empty_directories(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    store.put_bytes("a/b/c", b"1")
    _, source = stream(2 * MIB, fail_after=MIB)
    with pytest.raises(StreamBrokeError):
        store.put("a/b/d", cast(Any, source))
    assert [p.name for p in (tmp_path / "a/b").iterdir()] == ["c"]
    store.delete("a/b/c")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.integration
def test_s3_store_never_creates_its_bucket(s3_env: None, s3_endpoint: str) -> None:
    store = open_object_store(s3_url(s3_endpoint, f"absent-{uuid.uuid4().hex[:12]}"))
    with pytest.raises(ClientError):
        store.ping()
    assert isinstance(store, S3ObjectStore)
    store.create_bucket()
    store.create_bucket()
    store.ping()


def test_open_object_store_chooses_by_scheme(tmp_path: Path) -> None:
    assert isinstance(open_object_store(f"file://{tmp_path}"), LocalObjectStore)
    assert isinstance(open_object_store("s3://bucket?region=eu-west-1"), S3ObjectStore)


@pytest.mark.parametrize(
    "url", ["ftp://host/dir", "objects", "file://relative/dir", "s3://bucket?colour=blue", "s3://"]
)
def test_open_object_store_refuses_bad_urls(url: str) -> None:
    with pytest.raises(ValueError, match="MARQUEE_STORAGE_URL"):
        open_object_store(url)
