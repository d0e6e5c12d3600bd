"""Every route documents the problems its code can raise, so that clients generated from the
OpenAPI document (and the fuzzer's status-code check) know every answer.

What a route can raise is read from the source: the endpoint's body and the functions inside
Marquee it reaches through every function it names that its module can find (``service.f``,
``titles.publish_title``, a helper, a function handed to a thread pool), collecting each
``raise SomeProblem(...)``. Calls on objects that only exist at run time (``identity.login``
on a dependency) are not followed; their problems are declared where the dependency is
(``kit.web.answers``) or by hand.
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import textwrap
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute

from marquee import domains, health
from marquee.kit.errors import Problem

#: The statuses a route documents whenever its code can answer them (issue 19 item 6).
CHECKED = {401, 403, 404, 409, 429}


def _routes(routes: Iterable[Any]) -> Iterator[APIRoute]:
    for route in routes:
        included = getattr(route, "original_router", None)  # a router included in another
        if included is not None:
            yield from _routes(included.routes)
        elif isinstance(route, APIRoute):
            yield route


def _resolve(expression: ast.expr, scope: dict[str, Any]) -> Any:
    """What a name or a dotted name (``titles.publish_title``) stands for in ``scope``."""
    if isinstance(expression, ast.Name):
        return scope.get(expression.id, getattr(builtins, expression.id, None))
    if isinstance(expression, ast.Attribute):
        owner = _resolve(expression.value, scope)
        return None if owner is None else getattr(owner, expression.attr, None)
    return None


@functools.cache
def _tree(function: Callable[..., Any]) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError):
        return None


def _raised(node: ast.Raise, scope: dict[str, Any]) -> int | None:
    """The status of the problem ``node`` raises (``status=`` given at the raise wins)."""
    raised = node.exc
    call = raised if isinstance(raised, ast.Call) else None
    problem = _resolve(call.func if call else raised, scope) if raised else None
    if not (isinstance(problem, type) and issubclass(problem, Problem)):
        return None
    given = [kw.value for kw in call.keywords if kw.arg == "status"] if call else []
    if given and isinstance(given[0], ast.Constant) and isinstance(given[0].value, int):
        return given[0].value
    return int(problem.status)


def _local_names(nodes: list[ast.AST]) -> set[str]:
    """Parameters and assigned names, which hide the module's names of the same spelling."""
    stored = {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return stored | {n.arg for n in nodes if isinstance(n, ast.arg)}


def raised_statuses(function: Callable[..., Any], seen: set[Any] | None = None) -> set[int]:
    """The problem statuses ``function`` and the Marquee functions it calls can raise."""
    seen = set() if seen is None else seen
    function = inspect.unwrap(function)
    if function in seen or not getattr(function, "__module__", "").startswith("marquee."):
        return set()
    seen.add(function)
    tree = _tree(function)
    nodes = list(ast.walk(tree)) if tree else []
    hidden = _local_names(nodes)
    module = getattr(function, "__globals__", {})
    scope = {name: value for name, value in module.items() if name not in hidden}
    found: set[int] = set()
    for node in nodes:
        if isinstance(node, ast.Raise) and (status := _raised(node, scope)) is not None:
            found.add(status)
        elif isinstance(node, ast.Name | ast.Attribute):  # a call, or a function handed on
            named = _resolve(node, scope)
            if inspect.isfunction(named):
                found |= raised_statuses(named, seen)
    return found


ROUTES = [
    route
    for route in _routes(
        [*health.router.routes, *(r for router in domains.routers() for r in router.routes)]
    )
    if route.include_in_schema
]


def _name(route: APIRoute) -> str:
    return f"{','.join(sorted(route.methods or ()))} {route.path}"


def test_the_reader_finds_conflicts_through_service_helpers() -> None:
    publish = next(r for r in ROUTES if r.path == "/studio/titles/{title_id}/publish")
    assert 409 in raised_statuses(publish.endpoint)  # raised two calls down, in _move


@pytest.mark.parametrize("route", ROUTES, ids=_name)
def test_every_route_documents_the_problems_it_can_raise(route: APIRoute) -> None:
    documented = {int(status) for status in route.responses}
    assert raised_statuses(route.endpoint) & CHECKED <= documented
