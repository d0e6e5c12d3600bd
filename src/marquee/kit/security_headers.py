"""Security headers on every answer: the web app's Content-Security-Policy and its companions.

``SecurityHeadersMiddleware`` adds them to every HTTP response that does not set them itself:
``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy``, the
Content-Security-Policy built by ``content_security_policy`` (no inline script; scripts, styles,
images and the service worker from the app's own origin; manifests, segments and licences from
the app's origin and the delivery edges; media also from ``blob:``, since players feed the video
element through MediaSource) and, when the public URL is https, ``Strict-Transport-Security``.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000; includeSubDomains"


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL; None for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(edge_urls: Iterable[str]) -> str:
    """The policy of the web app, with ``edge_urls`` allowed for media and ``fetch``.

    Styles keep ``'unsafe-inline'``: Angular adds its components' styles as ``<style>``
    elements at run time. Scripts never do.
    """
    edges = sorted({origin for url in edge_urls if (origin := origin_of(url)) is not None})
    sources = " ".join(["'self'", *edges])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {sources}",
            f"media-src {sources} blob:",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(*, edge_urls: Iterable[str], public_url: str) -> dict[str, str]:
    """The headers every answer carries (names in lower case)."""
    headers = {
        "content-security-policy": content_security_policy(edge_urls),
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "strict-origin-when-cross-origin",
    }
    if urlsplit(public_url).scheme == "https":
        headers["strict-transport-security"] = HSTS
    return headers


class SecurityHeadersMiddleware:
    """Adds ``headers`` to every HTTP response, leaving any the response already set.

    ``exempt``: paths whose answers get every header but the Content-Security-Policy (a page
    that needs a policy of its own).
    """

    def __init__(
        self, app: ASGIApp, *, headers: dict[str, str], exempt: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.headers = list(headers.items())
        self.without_policy = [(k, v) for k, v in self.headers if k != "content-security-policy"]
        self.exempt = frozenset(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = self.without_policy if scope["path"] in self.exempt else self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in added:
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
