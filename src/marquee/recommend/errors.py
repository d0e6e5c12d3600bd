"""Recommend's problems; each slug is part of the API contract (``/problems/<slug>``)."""

from __future__ import annotations

from marquee.kit.errors import NotFound


class TitleNotFound(NotFound):
    """Unknown, or not one the profile may see here: the answer never says which."""

    def __init__(self) -> None:
        super().__init__("There is no such title.")
