"""Events are declared once, by the domain that publishes them, and subscribers wait only for
declared events: a renamed or removed event fails here, not silently in production."""

from __future__ import annotations

import importlib

from marquee import domains
from marquee.kit.events import declared
from marquee.runtime import build_platform
from marquee.settings import Settings


def test_every_subscription_names_an_event_some_domain_declares(settings: Settings) -> None:
    platform = build_platform(settings)
    try:
        subscribed = {name for s in platform.events.subscriptions for name in s.names}
    finally:
        platform.stop()
    assert subscribed, "the domains subscribe to events"
    assert subscribed <= set(declared())


def test_each_event_is_declared_in_the_events_module_of_the_domain_it_is_named_after() -> None:
    domains.load_events()
    misplaced = []
    for name, event in declared().items():
        domain = name.split(".", 1)[0]
        if domain == "test":
            continue  # events that tests declare for themselves
        module = domain in domains.DOMAINS and importlib.import_module(f"marquee.{domain}.events")
        if not module or event not in vars(module).values():
            misplaced.append(name)
    assert misplaced == []
