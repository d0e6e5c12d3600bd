"""Cross-origin access to what players fetch: manifests, segments and licences.

A player on any origin (the web app, another site, a TV or mobile app's web view) may read
them. The grant travels with each request, never in a cookie: a signed URL (delivery token,
manifest token) or an ``Authorization: Bearer`` token. So the answers allow any origin and
never send ``Access-Control-Allow-Credentials``: browsers then send no cookies across origins
and refuse a page on another origin a cookie-authenticated answer. One definition, used by
the delivery origin and edges (:mod:`marquee.delivery.headers`, also written into the nginx
edge's configuration) and by playback's session manifests and licences
(:func:`marquee.kit.web.cross_origin_router`). Plain data: the edge imports it.
"""

from __future__ import annotations

from collections.abc import Iterable

Headers = tuple[tuple[str, str], ...]
MAX_AGE_S = 86400


def cors_headers(*, expose: Iterable[str] = ()) -> Headers:
    """What every cross-origin answer carries: any origin, and the headers a player reads."""
    exposed = ", ".join(expose)
    return (("Access-Control-Allow-Origin", "*"),) + (
        (("Access-Control-Expose-Headers", exposed),) if exposed else ()
    )


def preflight_headers(*, methods: Iterable[str], headers: Iterable[str]) -> Headers:
    """What the answer to an ``OPTIONS`` preflight adds: the methods and headers allowed."""
    allowed = ", ".join(headers)
    return (
        ("Access-Control-Allow-Methods", ", ".join(methods)),
        *((("Access-Control-Allow-Headers", allowed),) if allowed else ()),
        ("Access-Control-Max-Age", str(MAX_AGE_S)),
    )
