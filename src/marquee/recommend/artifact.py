"""A fitted model as bytes: a NumPy ``.npz`` archive of plain arrays, never a pickle.

Besides the model's own arrays it holds ``__header__``: JSON naming the format, the model
family, its parameters and a SHA-256 of every array. Loading refuses, with
:class:`ArtifactError`, anything that is not such an archive, that was cut short or altered
(zip CRC and the digest), or that names a family this version does not know.
"""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import numpy as np

FORMAT = "marquee-recommend/1"
HEADER = "__header__"


class ArtifactError(ValueError):
    """A model artifact that cannot be used: say why, and keep serving the last good model."""


def dump(family: str, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    """The archive of a fitted model of ``family``."""
    header = {
        "format": FORMAT,
        "family": family,
        "params": params,
        "sha256": _digest(arrays),
    }
    buffer = io.BytesIO()
    everything = {**arrays, HEADER: np.array(json.dumps(header, sort_keys=True))}
    np.savez(buffer, allow_pickle=False, **everything)
    return buffer.getvalue()


def parse(blob: bytes) -> tuple[str, dict[str, Any], dict[str, np.ndarray]]:
    """(family, params, arrays) of an archive made by :func:`dump`; :class:`ArtifactError`
    when it is not one, or not whole."""
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    # Damaged bytes reach zipfile and NumPy's readers in many places, each with its own
    # exception (BadZipFile, ValueError, EOFError, KeyError, NotImplementedError for a garbled
    # compression method, ...): whatever they raise, the bytes are not a readable artifact.
    except Exception as exc:
        raise ArtifactError(f"not a readable model artifact ({exc!r})") from None
    header = _header(arrays.pop(HEADER, None))
    if _digest(arrays) != header["sha256"]:
        raise ArtifactError("model artifact corrupt: its arrays do not match their digest")
    return str(header["family"]), dict(header["params"]), arrays


def _header(raw: np.ndarray | None) -> dict[str, Any]:
    if raw is None:
        raise ArtifactError("not a model artifact: it has no header")
    try:
        header = json.loads(str(raw))
    except ValueError:
        raise ArtifactError("model artifact corrupt: its header is not JSON") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ArtifactError(f"not a model artifact of format {FORMAT}")
    if not {"family", "params", "sha256"} <= header.keys():
        raise ArtifactError("model artifact corrupt: its header is incomplete")
    return header


def _digest(arrays: dict[str, np.ndarray]) -> dict[str, str]:
    return {
        name: hashlib.sha256(
            f"{array.dtype.str}{array.shape}".encode() + np.ascontiguousarray(array).tobytes()
        ).hexdigest()
        for name, array in sorted(arrays.items())
    }
