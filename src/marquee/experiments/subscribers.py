"""Experiments listens to its own exposures (each batch goes to the analytics lake, through
analytics' face, and to the experiments' exposure counts) and to identity's deletions (the
exposures of a deleted account or profile go with it).

Analytics comes before experiments in the layer order, so it cannot subscribe to this
domain's events; experiments hands the rows to the lake itself. An exposure is the lake row
``kind = 'exposure'`` with the experiment's key in ``reason`` and the variant in ``state``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from marquee.analytics import service as analytics
from marquee.experiments import service
from marquee.experiments.events import EXPOSURE_RECORDED, ExposureRecorded
from marquee.identity.events import ACCOUNT_DELETED, PROFILE_DELETED
from marquee.kit.events import BatchHandler, Event
from marquee.kit.plumbing import Plumbing

GROUP = "experiments"


def subscribe(platform: Plumbing) -> None:
    bus = platform.events
    bus.subscribe_batch(EXPOSURE_RECORDED, _exposures_handler(platform), group=GROUP)
    bus.subscribe(ACCOUNT_DELETED, _forget_account(platform), group=GROUP)
    bus.subscribe(PROFILE_DELETED, _forget_profile(platform), group=GROUP)


def _exposures_handler(platform: Plumbing) -> BatchHandler:
    names = analytics.pseudonyms(platform.settings)

    def handle(events: Sequence[Event]) -> None:
        exposures = [(event.id, EXPOSURE_RECORDED.parse(event)) for event in events]
        analytics.write_rows(platform, [_lake_row(names.of, *pair) for pair in exposures])
        with platform.db.transaction() as session:
            service.count_exposures(session, exposures=[exposure for _, exposure in exposures])

    return handle


def _lake_row(
    pseudonym: Callable[[str], str], event_id: str, exposure: ExposureRecorded
) -> dict[str, object]:
    return {
        "id": event_id,
        "kind": "exposure",
        "at": exposure.at,
        "viewer": pseudonym(exposure.account_id),
        "profile": pseudonym(exposure.profile_id) if exposure.profile_id else None,
        "reason": exposure.experiment,
        "state": exposure.variant,
    }


def _forget_account(platform: Plumbing) -> Callable[[Event], None]:
    def handle(event: Event) -> None:
        deleted = ACCOUNT_DELETED.parse(event)
        with platform.db.transaction() as session:
            service.forget_units(session, ids=[deleted.account_id, *deleted.profile_ids])

    return handle


def _forget_profile(platform: Plumbing) -> Callable[[Event], None]:
    def handle(event: Event) -> None:
        deleted = PROFILE_DELETED.parse(event)
        with platform.db.transaction() as session:
            service.forget_units(session, ids=[deleted.profile_id])

    return handle
