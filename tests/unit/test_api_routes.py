"""The API's routes, as mounted from the domains' routers."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

from marquee import domains


def _sample(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "some-id", path)


def test_no_two_domains_answer_the_same_request() -> None:
    """Routers are mounted busiest first; that is safe only while no path of one domain could
    be taken by a route of another."""
    routes = [
        (domain, route)
        for domain, router in zip(domains.DOMAINS, domains.routers(), strict=True)
        for route in router.routes
        if isinstance(route, APIRoute)
    ]
    clashes = [
        (first.path, second.path)
        for index, (domain, first) in enumerate(routes)
        for other, second in routes[index + 1 :]
        if domain != other
        and first.methods & second.methods
        and (
            first.path_regex.match(_sample(second.path))
            or second.path_regex.match(_sample(first.path))
        )
    ]
    assert clashes == []
