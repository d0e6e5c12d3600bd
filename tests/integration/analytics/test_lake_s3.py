"""The lake on S3 (moto's server): written, read through pyarrow (no DuckDB extension to
download), a cut file quarantined there too."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from marquee.analytics import lake, query
from marquee.analytics.subscribers import lake_writer
from marquee.kit.storage import S3ObjectStore
from marquee.runtime import Platform, build_platform
from marquee.settings import Settings
from tests.integration.analytics.test_lake import DAY, _started
from tests.integration.kit.test_storage_contract import s3_endpoint, s3_env, s3_url

pytestmark = pytest.mark.integration
__all__ = ["s3_endpoint", "s3_env"]


@pytest.fixture
def on_s3(settings: Settings, s3_env: None, s3_endpoint: str) -> Iterator[Platform]:
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    platform = build_platform(
        settings.model_copy(update={"storage_url": s3_url(s3_endpoint, bucket)})
    )
    assert isinstance(platform.storage, S3ObjectStore)
    platform.storage.create_bucket()
    yield platform
    platform.stop()


def _count(platform: Platform, session_ids: list[str]) -> int:
    _, rows = query.run(
        platform.db,
        platform.storage,
        "SELECT count(*) FROM events WHERE list_contains($ids, session_id)",
        first=DAY.date(),
        last=DAY.date(),
        parameters={"ids": session_ids},
    )
    return int(rows[0][0])


def test_the_lake_on_s3_is_written_read_and_repaired(on_s3: Platform) -> None:
    first = [_started(uuid.uuid4().hex) for _ in range(3)]
    second = [_started(uuid.uuid4().hex) for _ in range(2)]
    lake_writer(on_s3)(first)
    lake_writer(on_s3)(first + second)
    ids = [event.payload["session_id"] for event in first + second]
    assert _count(on_s3, ids) == 5, "the events of both files count once"
    with on_s3.db.sessions() as session:
        cut = next(
            f.key
            for f in lake.live_files(session, first_day=str(DAY.date()))
            if on_s3.storage.exists(f.key) and f.rows == 5
        )
    whole = on_s3.storage.get_bytes(cut)
    on_s3.storage.put_bytes(cut, whole[:100])
    assert _count(on_s3, ids) == 3
