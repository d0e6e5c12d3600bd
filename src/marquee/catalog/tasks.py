"""The catalog's background jobs."""

from __future__ import annotations

from marquee.catalog import assets
from marquee.kit.queue import JobContext, job

#: Copying a whole source between objects can take a while for feature-length masters.
ASSEMBLE_TIME_LIMIT_S = 3 * 3600


@job(assets.ASSEMBLE_JOB, queue="long", time_limit_s=ASSEMBLE_TIME_LIMIT_S)
def assemble_upload(ctx: JobContext, upload_id: str) -> None:
    """Join a finished upload's parts into one source object (idempotent)."""
    with ctx.db.transaction() as session:
        assets.assemble(session, storage=ctx.services.storage, upload_id=upload_id)
