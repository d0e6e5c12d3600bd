"""Rating systems and their mapping to the three profile maturity levels.

The mapping follows the age bands streaming services use for profiles: *kids* is everything
rated for children up to about 12 with parental guidance (MPA G/PG, TV-Y…TV-PG, BBFC U/PG,
FSK 0/6); *teen* is 12–17 (PG-13, TV-14, BBFC 12/12A/15, FSK 12/16); *adult* is 18+ and anything
not rated. ``MARQUEE`` is the platform's own scale, used as the default rating of a title.
"""

from __future__ import annotations

from typing import get_args

from marquee.identity.schemas import Maturity

MATURITY_LEVELS: tuple[Maturity, ...] = get_args(Maturity)

KIDS, TEEN, ADULT = MATURITY_LEVELS
#: The territory of a title's default rating, used where a territory has no rating of its own.
DEFAULT_TERRITORY = "*"
DEFAULT_SYSTEM = "MARQUEE"

SYSTEMS: dict[str, dict[str, Maturity]] = {
    "MPA": {"G": KIDS, "PG": KIDS, "PG-13": TEEN, "R": ADULT, "NC-17": ADULT, "NR": ADULT},
    "US-TV": {
        "TV-Y": KIDS,
        "TV-Y7": KIDS,
        "TV-Y7-FV": KIDS,
        "TV-G": KIDS,
        "TV-PG": KIDS,
        "TV-14": TEEN,
        "TV-MA": ADULT,
    },
    "BBFC": {"U": KIDS, "PG": KIDS, "12": TEEN, "12A": TEEN, "15": TEEN, "18": ADULT, "R18": ADULT},
    "FSK": {"0": KIDS, "6": KIDS, "12": TEEN, "16": TEEN, "18": ADULT},
    DEFAULT_SYSTEM: {"ALL": KIDS, "7+": KIDS, "13+": TEEN, "16+": TEEN, "18+": ADULT},
}
#: Other spellings seen in feeds.
_ALIASES = {("MPA", "UR"): "NR", ("MPA", "UNRATED"): "NR", ("FSK", "FSK 12"): "12"}


class UnknownRating(ValueError):
    """The system or the value is not one Marquee knows."""


def normalise(system: str, value: str) -> tuple[str, str]:
    """Canonical ``(system, value)``; raises :class:`UnknownRating`."""
    given = value
    system = system.strip().upper()
    value = value.strip().upper()
    value = _ALIASES.get((system, value), value)
    if system not in SYSTEMS:
        raise UnknownRating(f"unknown rating system {system!r} (known: {', '.join(SYSTEMS)})")
    if value not in SYSTEMS[system]:
        known = ", ".join(SYSTEMS[system])
        raise UnknownRating(f"{given!r} is not a {system} rating (known: {known})")
    return system, value


def maturity_of(system: str, value: str) -> Maturity:
    """The profile maturity a rating needs; raises :class:`UnknownRating`."""
    system, value = normalise(system, value)
    return SYSTEMS[system][value]


def rank(maturity: Maturity) -> int:
    """0 for kids, 1 for teen, 2 for adult: a profile sees ranks up to its own."""
    return MATURITY_LEVELS.index(maturity)


def us_rating(value: str) -> tuple[str, str]:
    """A US rating given without its system (public catalogue feeds): ``TV-…`` is US TV."""
    system = "US-TV" if value.strip().upper().startswith("TV-") else "MPA"
    return normalise(system, value)
