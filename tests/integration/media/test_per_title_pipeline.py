"""The pipeline with ``MARQUEE_MEDIA_LADDER=per-title``: the chosen ladder is encoded,
packaged and shown by the API with the hull it was chosen from."""

from __future__ import annotations

from pathlib import Path

import pytest

from marquee.runtime import build_platform
from tests.integration.media.conftest import Sources
from tests.integration.media.test_pipeline import Pipeline, media_settings

pytestmark = pytest.mark.slow


def test_a_per_title_ladder_is_encoded_packaged_and_shown(tmp_path: Path, sources: Sources) -> None:
    settings = media_settings(tmp_path).model_copy(update={"media_ladder": "per-title"})
    platform = build_platform(settings)
    platform.start(worker=True, short_threads=1, long_threads=2)
    try:
        pipeline = Pipeline(platform)
        asset = pipeline.wait(pipeline.ingest(sources.path("h264_aac.mp4")))
    finally:
        platform.stop()
    assert asset.status == "ready", (asset.failed_step, asset.error)
    chosen = asset.per_title_ladder
    assert chosen is not None
    assert chosen["method"] == "per-title"
    assert chosen["cpu_s"] > 0
    assert len(chosen["hull"]) >= 2
    assert [r.name for r in asset.renditions] == [r["name"] for r in chosen["rungs"]]
    assert all(r.width <= 320 and r.height <= 180 for r in asset.renditions)
    assert all(r.vmaf is not None for r in asset.renditions)
    qc_step = next(s for s in asset.steps if s.name == "qc")
    assert "probe encodes" in qc_step.log
