"""The media domain's jobs, for ``marquee.domains.load_jobs``: importing the pipeline's stages
registers their ``@job`` functions (the pipeline itself is ``marquee.media.pipeline``)."""

from marquee.media.pipeline import analyse, encode, package  # noqa: F401  (their @job functions)
