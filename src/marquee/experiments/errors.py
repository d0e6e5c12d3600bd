"""Experiments' problems; each slug is part of the API contract (``/problems/<slug>``)."""

from __future__ import annotations

from marquee.kit.errors import Conflict, NotFound, Problem


class ExperimentNotFound(NotFound):
    slug = "experiment-not-found"

    def __init__(self, key: str) -> None:
        super().__init__(f"There is no experiment {key!r}.")


class ExperimentExists(Conflict):
    slug = "experiment-exists"

    def __init__(self, key: str) -> None:
        super().__init__(f"An experiment {key!r} exists already; choose another key.")


class BadExperiment(Problem):
    """A definition that cannot run: weights, variants or metrics."""

    slug = "bad-experiment"
    status = 422


class LayerOverlap(Conflict):
    slug = "experiment-layer-overlap"


class ExperimentRunning(Conflict):
    slug = "experiment-running"


class BadExperimentState(Conflict):
    slug = "bad-experiment-state"


class NoExposures(Conflict):
    slug = "no-exposures"

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Experiment {key!r} has no exposures yet: results need units that used a variant."
        )


class NotInExperiment(Conflict):
    slug = "not-in-experiment"

    def __init__(self, key: str) -> None:
        super().__init__(f"This profile is not assigned to the running experiment {key!r}.")
