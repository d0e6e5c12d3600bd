"""The pipeline with the defaults ``MARQUEE_MEDIA_LADDER=per-title`` and
``MARQUEE_MEDIA_AV1=true``: the chosen ladder is encoded in H.264 and AV1, packaged and shown
by the API with the hull it was chosen from."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from marquee.media.ladder import AV1_MAX_RUNGS
from marquee.runtime import build_platform
from tests.integration.media.conftest import Sources
from tests.integration.media.test_pipeline import Pipeline, media_settings

pytestmark = pytest.mark.slow


def test_a_per_title_ladder_is_encoded_packaged_and_shown(tmp_path: Path, sources: Sources) -> None:
    settings = media_settings(tmp_path).model_copy(
        update={"media_ladder": "per-title", "media_av1": True, "media_av1_preset": 12}
    )
    platform = build_platform(settings)
    platform.start(worker=True, short_threads=1, long_threads=2)
    try:
        pipeline = Pipeline(platform)
        asset = pipeline.wait(pipeline.ingest(sources.path("h264_aac_270p.mp4")))
    finally:
        platform.stop()
    assert asset.status == "ready", (asset.failed_step, asset.error)
    chosen = asset.per_title_ladder
    assert chosen is not None
    assert chosen["method"] == "per-title"
    assert chosen["cpu_s"] > 0
    assert len(chosen["hull"]) >= 2
    rungs = [r["name"] for r in chosen["rungs"]]
    h264 = [r.name for r in asset.renditions if r.codec == "h264"]
    av1 = [r.name for r in asset.renditions if r.codec == "av1"]
    assert [r.name for r in asset.renditions] == [*h264, *av1]
    assert h264 == rungs
    # AV1 clients get the top and bottom rungs and about every other one between.
    assert min(len(rungs), 2) <= len(av1) <= min(AV1_MAX_RUNGS, max(2, math.ceil(len(rungs) / 2)))
    assert av1[0] == f"av1-{rungs[0]}"
    assert av1[-1] == f"av1-{rungs[-1]}"
    assert all(name.removeprefix("av1-") in rungs for name in av1)
    assert all(r.width <= 480 and r.height <= 270 for r in asset.renditions)
    assert all(r.vmaf is not None for r in asset.renditions)
    mpd = pipeline.storage.get_bytes(asset.dash).decode()
    assert 'codecs="avc1.' in mpd
    assert 'codecs="av01.0.' in mpd
    assert "<BaseURL>video/av1-" in mpd
    qc_step = next(s for s in asset.steps if s.name == "qc")
    assert "probe encodes" in qc_step.log
