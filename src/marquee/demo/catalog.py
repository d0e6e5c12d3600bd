"""The demo catalog as data: eleven films and one series, each with the look of its clip.

``look`` is an ffmpeg lavfi source (``{size}`` is filled in) that gives the title's generated
video a picture of its own. Ratings are ``(territory, system, value)``; ``*`` is the title's
default rating, used where a territory has none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Rating = tuple[str, str, str]
KIDS: tuple[Rating, ...] = (("*", "MARQUEE", "ALL"), ("US", "MPA", "PG"), ("GB", "BBFC", "U"))
TEEN: tuple[Rating, ...] = (("*", "MARQUEE", "13+"), ("US", "MPA", "PG-13"), ("GB", "BBFC", "12A"))
ADULT: tuple[Rating, ...] = (("*", "MARQUEE", "18+"), ("US", "MPA", "R"), ("GB", "BBFC", "18"))


@dataclass(frozen=True)
class DemoTitle:
    slug: str
    title: str
    synopsis: str
    year: int
    genres: tuple[str, ...]
    ratings: tuple[Rating, ...]
    look: str
    director: str
    cast: tuple[str, ...]
    language: str = "en"
    territories: tuple[str, ...] = ("WORLD",)
    #: language → (title, synopsis)
    translations: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Episode titles, one tuple per season (a series only).
    seasons: tuple[tuple[str, ...], ...] = ()


TITLES: tuple[DemoTitle, ...] = (
    DemoTitle(
        slug="paper-moons",
        title="Paper Moons",
        synopsis="Two sisters fold a paper moon that floats off to light a sleepy town.",
        year=2023,
        genres=("Animation", "Family"),
        ratings=KIDS,
        look="gradients=s={size}:speed=0.02:n=4",
        director="Ada Lindqvist",
        cast=("Mia Okafor", "Tomás Reyes"),
        translations={
            "fr": ("Lunes de papier", "Deux sœurs plient une lune de papier qui éclaire la ville."),
            "es": (
                "Lunas de papel",
                "Dos hermanas doblan una luna de papel que ilumina el pueblo.",
            ),
        },
    ),
    DemoTitle(
        slug="tidepool",
        title="Tidepool",
        synopsis="A year in the life of one rock pool, from winter storms to summer crabs.",
        year=2021,
        genres=("Documentary", "Nature"),
        ratings=KIDS,
        look="cellauto=s={size}:rule=30",
        director="Kofi Mensah",
        cast=("Iris Calloway",),
        translations={"fr": ("Flaque de marée", "Une année dans la vie d'une flaque rocheuse.")},
    ),
    DemoTitle(
        slug="orbit-of-small-things",
        title="Orbit of Small Things",
        synopsis="A boy builds a satellite from a biscuit tin and gets a reply.",
        year=2024,
        genres=("Science Fiction", "Family"),
        ratings=KIDS,
        look="testsrc2=s={size}",
        director="Ada Lindqvist",
        cast=("Tomás Reyes", "June Park"),
    ),
    DemoTitle(
        slug="harbour-lights",
        title="Harbour Lights",
        synopsis="Strange lights over a fishing harbour, and the children who investigate.",
        year=2022,
        genres=("Mystery", "Family"),
        ratings=(("*", "MARQUEE", "7+"), ("US", "US-TV", "TV-PG"), ("GB", "BBFC", "PG")),
        look="zoneplate=s={size}:kx2=256:ky2=256:kt2=8",
        director="Nadia Haddad",
        cast=("June Park", "Oliver Strand", "Mia Okafor"),
        translations={
            "fr": ("Les Feux du port", "D'étranges lumières au-dessus d'un port de pêche."),
            "es": ("Luces del puerto", "Extrañas luces sobre un puerto pesquero."),
        },
        seasons=(("The First Light", "Fog Signals"), ("Low Tide", "The Keeper's Log")),
    ),
    DemoTitle(
        slug="the-cartographers-daughter",
        title="The Cartographer's Daughter",
        synopsis="A map that redraws itself leads a girl across three kingdoms.",
        year=2020,
        genres=("Adventure", "Fantasy"),
        ratings=KIDS,
        look="rgbtestsrc=s={size},hue=H=t/4",
        director="Nadia Haddad",
        cast=("Iris Calloway", "Oliver Strand"),
        translations={"es": ("La hija del cartógrafo", "Un mapa que se redibuja solo.")},
    ),
    DemoTitle(
        slug="the-last-lighthouse",
        title="The Last Lighthouse",
        synopsis="The last keeper of an automated light refuses to leave.",
        year=2019,
        genres=("Drama",),
        ratings=TEEN,
        look="smptehdbars=s={size},noise=alls=12:allf=t",
        director="Kofi Mensah",
        cast=("Oliver Strand", "Hana Sato"),
        translations={
            "fr": ("Le Dernier Phare", "Le dernier gardien d'un phare refuse de partir.")
        },
    ),
    DemoTitle(
        slug="velvet-hours",
        title="Velvet Hours",
        synopsis="Two night-shift musicians keep missing each other by one song.",
        year=2022,
        genres=("Romance", "Music"),
        ratings=TEEN,
        look="colorspectrum=s={size}:type=all,hue=h=t*24",
        director="Lucía Ferrer",
        cast=("Hana Sato", "Tomás Reyes"),
        translations={"es": ("Horas de terciopelo", "Dos músicos del turno de noche.")},
    ),
    DemoTitle(
        slug="fault-lines",
        title="Fault Lines",
        synopsis="A seismologist has twelve hours to convince a city that the ground will move.",
        year=2023,
        genres=("Action", "Thriller"),
        ratings=TEEN,
        look="life=s={size}:mold=10:ratio=0.1:life_color=#f4a261:death_color=#264653",
        director="Lucía Ferrer",
        cast=("June Park", "Marcus Hale"),
    ),
    DemoTitle(
        slug="rust-and-neon",
        title="Rust and Neon",
        synopsis="In a flooded megacity a courier carries a memory nobody should remember.",
        year=2024,
        genres=("Science Fiction", "Action"),
        ratings=ADULT,
        look="mandelbrot=s={size}:maxiter=500",
        director="Marcus Hale",
        cast=("Hana Sato", "Viktor Novak"),
        translations={"fr": ("Rouille et néon", "Dans une mégapole inondée, un coursier.")},
    ),
    DemoTitle(
        slug="midnight-ledger",
        title="Midnight Ledger",
        synopsis="An accountant finds the one column a crime family forgot to balance.",
        year=2021,
        genres=("Crime", "Thriller"),
        ratings=ADULT,
        look="color=c=0x1d3557:s={size},noise=alls=40:allf=t+u",
        director="Marcus Hale",
        cast=("Viktor Novak", "Iris Calloway"),
    ),
    DemoTitle(
        slug="static-bloom",
        title="Static Bloom",
        synopsis="Something grows in the noise between radio stations.",
        year=2020,
        genres=("Horror",),
        ratings=ADULT,
        look="testsrc=s={size},negate,hue=s=0",
        director="Kofi Mensah",
        cast=("Viktor Novak", "Mia Okafor"),
    ),
    DemoTitle(
        slug="le-jardin-d-hiver",
        title="Le Jardin d'hiver",
        synopsis="Une botaniste retrouve, sous la neige, le jardin de son enfance.",
        year=2022,
        genres=("Drama",),
        ratings=(("*", "MARQUEE", "13+"),),
        look="yuvtestsrc=s={size},hue=H=t/2",
        director="Camille Moreau",
        cast=("Camille Moreau", "Hana Sato"),
        language="fr",
        territories=("FR",),
        translations={"en": ("The Winter Garden", "A botanist finds her childhood garden.")},
    ),
)
