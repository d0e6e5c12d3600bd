"""Pure parts of the pipeline wiring: ladder from settings, key wrapping, key derivation."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

from marquee.media.keystore import DatabaseKeyStore, key_encryption_key
from marquee.media.ladder import DEFAULT_LADDER
from marquee.media.service import ladder_spec, qc_limits
from marquee.settings import load_settings


def test_the_default_ladder_in_settings_is_the_media_default(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    spec = ladder_spec(settings)
    assert spec.rungs == DEFAULT_LADDER.rungs
    assert spec.preset == settings.media_preset == "veryfast"
    assert spec.audio_bitrate_kbps == DEFAULT_LADDER.audio_bitrate_kbps


def test_ladder_and_qc_bounds_come_from_settings(tmp_path: Path) -> None:
    rung = {"name": "360p", "width": 640, "height": 360, "video_bitrate_kbps": 700}
    settings = load_settings(
        data_dir=tmp_path, media_ladder=[rung], media_preset="ultrafast", media_qc_max_fps=30
    )
    spec = ladder_spec(settings)
    assert [(r.name, r.video_bitrate_kbps) for r in spec.rungs] == [("360p", 700)]
    assert spec.preset == "ultrafast"
    assert qc_limits(settings).max_fps == 30


def test_the_master_key_is_used_when_set(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, master_key="ab" * 32)
    assert key_encryption_key(settings) == bytes.fromhex("ab" * 32)


def test_a_bad_master_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="MARQUEE_MASTER_KEY"):
        key_encryption_key(load_settings(data_dir=tmp_path, master_key="not hex"))
    with pytest.raises(ValueError, match="64 hex"):
        key_encryption_key(load_settings(data_dir=tmp_path, master_key="ab" * 16))


def test_without_a_master_key_one_is_derived_from_the_secret(tmp_path: Path) -> None:
    one = load_settings(data_dir=tmp_path, secret_key="s" * 40)
    two = load_settings(data_dir=tmp_path, secret_key="t" * 40)
    kek = key_encryption_key(one)
    assert len(kek) == 32
    assert kek == key_encryption_key(one)
    assert kek != key_encryption_key(two)
    assert kek != b"s" * 32


def test_key_wrap_round_trip_and_kek_fingerprint() -> None:
    kek = bytes(range(32))
    store = DatabaseKeyStore(kek)
    key = bytes.fromhex("00112233445566778899aabbccddeeff")
    wrapped = aes_key_wrap(kek, key)
    assert len(wrapped) == 24
    assert aes_key_unwrap(kek, wrapped) == key
    assert len(store.kek_id) == 16
    assert DatabaseKeyStore(bytes(32)).kek_id != store.kek_id
    with pytest.raises(ValueError, match="128, 192 or 256"):
        DatabaseKeyStore(b"short")


def test_every_rendition_gets_the_ladders_exact_aspect_ratio() -> None:
    from fractions import Fraction

    from marquee.media.encode import rendition_sar
    from marquee.media.ladder import LadderPlan, Rendition

    def rendition(width: int, height: int) -> Rendition:
        return Rendition(
            name=f"{height}p", width=width, height=height, video_bitrate_kbps=100,
            maxrate_kbps=150, bufsize_kbits=300, audio_bitrate_kbps=128, profile="high",
            preset="fast",
        )  # fmt: skip

    sizes = [(640, 272), (480, 204), (416, 176)]
    plan = LadderPlan(
        frame_rate="25/1", fps=25.0, gop_frames=50, display_aspect_ratio=640 / 272,
        renditions=[rendition(w, h) for w, h in sizes],
    )  # fmt: skip
    sars = [rendition_sar(plan, r) for r in plan.renditions]
    assert sars == [1, 1, Fraction(220, 221)]
    assert {Fraction(w, h) * sar for (w, h), sar in zip(sizes, sars, strict=True)} == {
        Fraction(40, 17)
    }
