"""Artwork is decoded and written again: only the picture is stored."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from marquee.catalog.errors import InvalidImage
from marquee.catalog.studio.images import clean_image
from tests.images import picture, png_declaring

LIMIT = 1_000_000
GPS_IFD = 0x8825
SCRIPT = b"<html><script>alert(document.cookie)</script></html>"


@pytest.mark.parametrize(
    ("image_format", "content_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")],
)
def test_each_format_is_stored_in_its_own_format(image_format: str, content_type: str) -> None:
    cleaned = clean_image(picture(image_format), max_pixels=LIMIT)

    assert cleaned.content_type == content_type
    with Image.open(io.BytesIO(cleaned.data)) as stored:
        assert (stored.format, stored.size) == (image_format, (64, 48))


def test_a_script_after_the_png_is_left_behind() -> None:
    polyglot = picture("PNG") + SCRIPT

    cleaned = clean_image(polyglot, max_pixels=LIMIT)

    assert b"<script>" not in cleaned.data
    assert cleaned.data.endswith(b"IEND\xaeB`\x82")


def test_exif_and_its_gps_position_are_stripped() -> None:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 24.0)})
    original = picture("JPEG", exif=exif.tobytes())
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(GPS_IFD)

    cleaned = clean_image(original, max_pixels=LIMIT)

    with Image.open(io.BytesIO(cleaned.data)) as stored:
        assert not stored.getexif()
        assert "exif" not in stored.info
    assert b"PhoneMaker" not in cleaned.data


def test_the_exif_orientation_is_applied_before_it_is_stripped() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turned 90° clockwise to display
    cleaned = clean_image(picture("JPEG", exif=exif.tobytes()), max_pixels=LIMIT)

    with Image.open(io.BytesIO(cleaned.data)) as stored:
        assert stored.size == (48, 64)


def test_a_truncated_jpeg_is_refused() -> None:
    whole = picture("JPEG", size=(256, 256), quality=95)

    with pytest.raises(InvalidImage, match="does not decode"):
        clean_image(whole[: len(whole) // 2], max_pixels=LIMIT)


def test_a_picture_over_the_pixel_limit_is_refused_before_it_is_decoded() -> None:
    with pytest.raises(InvalidImage, match="is 2000×1000 pixels; artwork has at most 1000000"):
        clean_image(png_declaring(2000, 1000), max_pixels=LIMIT)


def test_a_decompression_bomb_is_refused() -> None:
    bomb = png_declaring(100_000, 100_000)  # 10 gigapixels in about a hundred bytes

    with pytest.raises(InvalidImage, match="too many pixels"):
        clean_image(bomb, max_pixels=10**12)


@pytest.mark.parametrize(
    "data",
    [b"hello", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, SCRIPT, picture("GIF")],
    ids=["text", "png-magic-only", "html", "gif"],
)
def test_what_is_not_a_png_jpeg_or_webp_picture_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidImage):
        clean_image(data, max_pixels=LIMIT)
