"""The catalog's problems; each slug is part of the API contract (``/problems/<slug>``)."""

from __future__ import annotations

from marquee.kit.errors import Conflict, NotFound, Problem


class TitleNotFound(NotFound):
    """Unknown, or not available to this viewer: the answer never says which."""

    def __init__(self) -> None:
        super().__init__("There is no such title.")


class Invalid(Problem):
    """A value the request may not use (unknown rating, territory…)."""

    slug = "invalid-value"
    status = 422


class InvalidImage(Invalid):
    """Artwork that is not a PNG, JPEG or WebP picture that decodes within the pixel limit."""

    slug = "invalid-image"


class StatusConflict(Conflict):
    slug = "invalid-status-change"


class OffsetMismatch(Conflict):
    """tus: the client's Upload-Offset is not where the upload stands."""

    slug = "upload-offset-mismatch"


class UploadTooLarge(Problem):
    slug = "upload-too-large"
    status = 413


class UploadNotFinished(Conflict):
    slug = "upload-not-finished"


class IngestNotFailed(Conflict):
    """Only a failed ingest is started again."""

    slug = "ingest-not-failed"
