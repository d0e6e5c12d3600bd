"""Images made in memory for the artwork tests."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def picture(image_format: str, *, size: tuple[int, int] = (64, 48), **options: object) -> bytes:
    """A grey gradient of ``size`` in ``image_format``; ``options`` go to Pillow's save."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A well-formed PNG whose header declares ``width`` × ``height`` with almost no data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )
