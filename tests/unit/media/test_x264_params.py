"""Every H.264 encode's x264 options: trellis quantisation where the preset leaves it off."""

from __future__ import annotations

import pytest

from marquee.media.encode import x264_params


@pytest.mark.parametrize("preset", ["superfast", "veryfast"])
def test_fast_presets_get_trellis(preset: str) -> None:
    assert "trellis=1" in x264_params(preset).split(":")


@pytest.mark.parametrize("preset", ["ultrafast", "faster", "slow", "placebo"])
def test_other_presets_keep_their_own_trellis(preset: str) -> None:
    """ultrafast has no CABAC, which trellis needs; "faster" and slower set it themselves
    (placebo to 2, which forcing 1 would lower)."""
    assert not any(option.startswith("trellis") for option in x264_params(preset).split(":"))


def test_no_scene_cut_key_frames_and_closed_gops_for_any_preset() -> None:
    assert {"scenecut=0", "open-gop=0"} <= set(x264_params("veryfast").split(":"))
