"""Artwork images: decoded in full and written again before anything is stored.

A check of the first bytes lets through a PNG with a script or an HTML page after its end (a
polyglot), a truncated file, a header that declares a picture of billions of pixels (a
decompression bomb) and the camera's EXIF block with its GPS position. Decoding every pixel
with Pillow and encoding them again in the same format keeps only the picture: whatever does
not decode is refused, and trailing bytes and metadata are left behind.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from marquee.catalog.errors import InvalidImage

#: Pillow's format name → (media type, file extension) of what is stored.
FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "WEBP": ("image/webp", "webp"),
}
#: The pixel modes each format is written in; any other mode is converted to the first.
MODES = {"PNG": ("RGBA", "RGB", "LA", "L", "P"), "JPEG": ("RGB", "L"), "WEBP": ("RGBA", "RGB")}
QUALITY = 90


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str


def clean_image(data: bytes, *, max_pixels: int) -> CleanImage:
    """The picture in ``data`` (PNG, JPEG or WebP) encoded again, without anything else.

    Raises InvalidImage for a file that is not one of those formats, declares more than
    ``max_pixels`` pixels (checked from the header, before decoding), or does not decode.
    """
    with _decoding_errors(max_pixels):
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
            _check_size(image, max_pixels)
            image.verify()
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
            image_format = image.format or ""
            image.load()
            picture = _upright(image, image_format)
    return CleanImage(_encode(picture, image_format), *FORMATS[image_format])


@contextmanager
def _decoding_errors(max_pixels: int) -> Iterator[None]:
    """Pillow's errors as InvalidImage. Its own decompression-bomb guard (twice
    ``Image.MAX_IMAGE_PIXELS``) stays as a backstop; its warning below that is ours to give."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            yield
        except UnidentifiedImageError:
            raise InvalidImage("Artwork must be a PNG, JPEG or WebP image.") from None
        except Image.DecompressionBombError:
            raise InvalidImage(
                f"The image declares too many pixels; artwork has at most {max_pixels} pixels."
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise InvalidImage(f"The image does not decode: {exc}.") from None


def _check_size(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    if width * height > max_pixels:
        raise InvalidImage(
            f"The image is {width}×{height} pixels; artwork has at most {max_pixels} pixels."
        )


def _upright(image: Image.Image, image_format: str) -> Image.Image:
    """The first frame, turned as its EXIF orientation says (the tag itself is not kept), in a
    mode the format writes."""
    image.seek(0)
    picture = ImageOps.exif_transpose(image) or image
    if picture.mode not in MODES[image_format]:
        wanted = "RGBA" if "A" in picture.getbands() or "transparency" in picture.info else "RGB"
        picture = picture.convert(wanted if wanted in MODES[image_format] else "RGB")
    return picture


def _encode(picture: Image.Image, image_format: str) -> bytes:
    """``picture`` written with no metadata: no EXIF, XMP, ICC profile or text chunks."""
    out = io.BytesIO()
    kept = {"transparency"}  # a palette image's transparent colour is part of the picture
    picture.info = {key: value for key, value in picture.info.items() if key in kept}
    options: dict[str, object] = {"quality": QUALITY} if image_format != "PNG" else {}
    picture.save(out, format=image_format, **options)
    return out.getvalue()
