"""Browse rows for a profile: what to watch next, most personal first.

Rows are built from ranked lists of title ids, ordered for the profile (Continue Watching and
My List first, then the others by the profile's model scores of their leading titles), then
each title is *claimed* by the first row that shows it, top to bottom, so a title appears once
per page.
Only titles the profile may see in its territory survive. The profile's own history (what to
continue, what it watched) comes from playback; Top Picks, Because You Watched and the order of
the genre rows come from recommend's served model, with the profile's fresh signals folded in
(without a model, Because You Watched comes from co-watching); a title the profile rated thumbs
down is left out of those rows. The answer is cached per profile under a key holding a catalog
generation (bumped by catalog events), the profile's history version (bumped by its plays,
progress and history edits), its signals count (bumped by recommend after thumbs, My List and
plays), the model version this process serves and the profile's variants of the experiments
turning browse's knobs, so any such change is seen at the next request.

Experiments (docs/experiments.md, *Knobs*) may turn the model the picks come from
(``recommend_model``), the order of the rows below Continue Watching and My List
(``row_order``, row kinds first to last), the alternate posters on cards (``artwork``) and the
row size (``settings``); the rows built with a profile's variants record its exposures.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from marquee.catalog import service as catalog
from marquee.catalog.schemas import TitleSummary
from marquee.discovery import history
from marquee.discovery.node import Node, node_for
from marquee.discovery.schemas import Browse, BrowseRow, RowItem
from marquee.discovery.service import genre_titles, newest_visible, popularity, visible
from marquee.experiments.service import Knobs
from marquee.identity.schemas import Profile
from marquee.kit.cache import Cache, keep_near, spread
from marquee.kit.db import utcnow
from marquee.playback import service as playback
from marquee.recommend import service as recommend
from marquee.recommend.schemas import Picks
from marquee.settings import Settings

GENERATION_KEY = "discovery:generation"
GENRE_ROWS = 2
HISTORY_FOR_GENRES = 20
TOP = 10
#: Titles of the profile's picks scored: Top Picks and the order of the genre rows.
PICKS = 200
#: A row's place follows the profile's scores of this many of its leading titles.
ROW_ORDER_TITLES = 5


HISTORY_PREFIX = "discovery:history:"


def history_key(profile_id: str) -> str:
    return f"{HISTORY_PREFIX}{profile_id}"


# the versions every cached answer's key is made of, read at each request (see ``_cache_key``)
for _prefix in (GENERATION_KEY, HISTORY_PREFIX, recommend.signals_key("")):
    keep_near(_prefix)


@dataclass
class Row:
    id: str
    title: str
    reason: str
    ids: list[str]
    ranked: bool = False
    #: A row of the model's, or ordered by it: the profile's thumbs down are left out.
    model: bool = False
    claimed: list[tuple[str, int | None]] = field(default_factory=list)  # (title, rank)


@dataclass
class Context:
    session: Session
    settings: Settings
    node: Node
    profile: Profile
    territory: str
    languages: Sequence[str]
    knobs: Knobs = field(default_factory=Knobs)
    picks: Picks | None = None

    @property
    def allowed(self) -> frozenset[str]:
        return visible(
            self.node, self.session, territory=self.territory, maturity=self.profile.maturity
        )


def browse(
    session: Session,
    *,
    settings: Settings,
    cache: Cache,
    profile: Profile,
    territory: str,
    languages: Sequence[str],
    knobs: Knobs | None = None,
    exposed: Callable[[Knobs], None] = lambda _knobs: None,
) -> bytes:
    """The profile's rows as JSON (a :class:`Browse`), from the cache when nothing they depend
    on changed: a cached answer goes out as stored, without being parsed again. Rows built
    with the profile's ``knobs`` call ``exposed`` with them (a cached answer was built for the
    same profile and variants, whose exposure was recorded then)."""
    knobs = knobs or Knobs()
    key = _cache_key(cache, settings, profile, territory, languages, knobs)
    if (found := cache.get(key)) is not None:
        return found
    settings = knobs.settings(settings)
    context = Context(session, settings, node_for(settings), profile, territory, languages, knobs)
    answer = Browse(profile_id=profile.id, territory=territory, rows=build_rows(context))
    if knobs.turned:
        exposed(knobs)
    encoded = answer.model_dump_json().encode()
    cache.set(key, encoded, ttl_s=spread(settings.discovery_browse_ttl_s))
    return encoded


def cached(
    cache: Cache, settings: Settings, profile: Profile, territory: str, languages: Sequence[str]
) -> bytes | None:
    """The profile's rows if a cache holds them (no database I/O): this node's copy, else the
    shared cache's, copied here for ``discovery_stats_ttl_s``. The key changes with every edit
    the rows depend on, so a copy can only lag other profiles' plays, as this node's play
    counts do; with Redis as the cache it saves the largest read of the request."""
    key = _cache_key(cache, settings, profile, territory, languages, Knobs())
    if cache.local:
        return cache.get(key)
    near = node_for(settings).rows
    if (found := near.get(key)) is None and (found := cache.get(key)) is not None:
        near.set(key, found, ttl_s=settings.discovery_stats_ttl_s)
    return found


def _cache_key(
    cache: Cache,
    settings: Settings,
    profile: Profile,
    territory: str,
    languages: Sequence[str],
    knobs: Knobs,
) -> str:
    versions = cache.get_many(
        GENERATION_KEY, history_key(profile.id), recommend.signals_key(profile.id)
    )
    generation, version, signals = ((found or b"0").decode() for found in versions)
    model = recommend.model_version(settings, knobs.value("recommend_model", "current"))
    langs = ",".join(languages)
    return (
        f"discovery:browse:{profile.id}:{generation}:{version}:{signals}:{model}:"
        f"{territory}:{profile.maturity}:{langs}:{knobs.signature}"
    )


def build_rows(context: Context) -> list[BrowseRow]:
    watched = playback.history_title_ids(context.session, profile_id=context.profile.id)
    latest = [t for t in watched if t in context.allowed][:1]
    context.picks = recommend.picks(
        context.session,
        settings=context.settings,
        profile_id=context.profile.id,
        country=context.territory.upper(),
        limit=PICKS,
        because_of=latest,
        allowed=context.allowed,
        model=context.knobs.value("recommend_model", "current"),
    )
    rows = [
        _top_picks(context),
        _top10(context),
        *_because_you_watched(context, latest),
        *_genre_rows(context, watched),
        _trending(context),
        _new_releases(context),
    ]
    ordered = [
        _continue_watching(context),
        _my_list(context),
        *_experiment_order(context, _personal_order(context, rows)),
    ]
    _claim(context, ordered)
    return _rows_out(context, ordered)


def _personal_order(context: Context, rows: list[Row]) -> list[Row]:
    """The rows by the profile's scores of their first visible titles, best first."""
    scores = context.picks.scores if context.picks else {}
    return personal_order(rows, scores, context.allowed)


def personal_order(rows: list[Row], scores: dict[str, float], allowed: frozenset[str]) -> list[Row]:
    """``rows`` by the summed score of their first :data:`ROW_ORDER_TITLES` titles of
    ``allowed``, best first. Stable: rows the model has no opinion of, and rows that lead with
    the same titles in another order (Trending and Top Picks for a profile with a short
    history), keep their order. The sum is exact (``fsum``), so the order titles are added in
    cannot break such a tie by a rounding: a float sum did put Trending first now and then.
    A score under 0 counts as 0, as a title the model has no opinion of does: otherwise Top
    Picks, ending on a title scored a hair under 0, lost to a row of the same titles with a
    watched (unscored) one in its place, and gave it its best title."""

    def weight(row: Row) -> float:
        leading = [t for t in row.ids if t in allowed][:ROW_ORDER_TITLES]
        return math.fsum(max(0.0, scores.get(t, 0.0)) for t in leading)

    return sorted(rows, key=lambda row: -weight(row))


def _experiment_order(context: Context, rows: list[Row]) -> list[Row]:
    """The rows in the order of the profile's ``row_order`` variant, if any: the kinds it
    names first, in its order, then the others as they were."""
    kinds: list[str] = context.knobs.value("row_order") or []

    def place(row: Row) -> int:
        named = [n for n, kind in enumerate(kinds) if row.id.startswith(kind)]
        return named[0] if named else len(kinds)

    return sorted(rows, key=place)


def _top_picks(context: Context) -> Row:
    name = context.profile.name
    ids = list(context.picks.scores) if context.picks else []
    reason = f"Picked for {name} from what {name} watches, rates and saves"
    return Row("top-picks", f"Top Picks for {name}", reason, ids, model=True)


def _my_list(context: Context) -> Row:
    ids = list(context.picks.listed) if context.picks else []
    return Row("my-list", "My List", "Titles you saved to watch later", ids)


def _continue_watching(context: Context) -> Row:
    """Titles in progress and series with a next episode, most recently played first."""
    limit = context.settings.discovery_row_size
    items = playback.continue_watching(context.session, profile_id=context.profile.id, limit=limit)
    ids = [item.title_id for item in items]
    return Row("continue-watching", "Continue Watching", "You started watching these", ids)


def _top10(context: Context) -> Row:
    territory = context.territory.upper()
    days = context.settings.discovery_trending_days
    since = utcnow() - timedelta(days=days)
    ids = context.node.ranked.get(
        ("top", territory),
        lambda: history.most_played(context.session, territory=territory, since=since),
    )
    country = catalog.country_name(territory)
    reason = f"Most watched in {country} over the last {days} days"
    return Row(f"top10-{territory}", f"Top 10 in {country}", reason, ids, ranked=True)


def _trending(context: Context) -> Row:
    settings = context.settings
    ids = context.node.ranked.get(
        "trending",
        lambda: history.trending(
            context.session,
            now=utcnow(),
            days=settings.discovery_trending_days,
            half_life_h=settings.discovery_trending_half_life_h,
        ),
    )
    return Row("trending", "Trending Now", "Popular on Marquee right now", ids)


def _because_you_watched(context: Context, latest: list[str]) -> list[Row]:
    """Titles the model puts next to the profile's latest one; co-watched ones without it."""
    because = context.picks.because if context.picks and context.picks.version else {}
    return [
        Row(
            f"because-{t.id}",
            f"Because You Watched {t.title}",
            f"Viewers who watched {t.title} also watched these",
            because[t.id]
            if t.id in because
            else history.co_watched(context.session, title_id=t.id, profile_id=context.profile.id),
            model=t.id in because,
        )
        for t in _summaries(context, latest)
    ]


def _genre_rows(context: Context, watched: list[str]) -> list[Row]:
    """Rows for the genres the profile watches most: the titles the model scores best for the
    profile first, then the most played."""
    summaries = _summaries(context, watched[:HISTORY_FOR_GENRES])
    counts = Counter(g for t in summaries for g in t.genres)
    plays = popularity(context.node, context.session)
    scores = context.picks.scores if context.picks else {}
    rows = []
    for genre, _ in counts.most_common(GENRE_ROWS):
        ids = sorted(
            genre_titles(context.node, context.session, genre=genre),
            key=lambda t: (-scores.get(t, float("-inf")), -plays.get(t, 0)),
        )
        slug = catalog.genre_slug(genre)
        rows.append(Row(f"genre-{slug}", genre, f"Because you watch {genre}", ids, model=True))
    return rows


def _new_releases(context: Context) -> Row:
    ids = newest_visible(
        context.node,
        context.session,
        territory=context.territory,
        maturity=context.profile.maturity,
    )
    return Row("new-releases", "New Releases", "Newly added to Marquee", ids)


def _claim(context: Context, rows: list[Row]) -> None:
    """Give each visible title to the first row that shows it, up to a row's size. A Top 10
    keeps each title's true rank in the country, so a title already in Continue Watching
    leaves a gap in the ranks rather than pushing the others up."""
    taken: set[str] = set()
    allowed = context.allowed
    down = context.picks.down if context.picks else frozenset()
    for row in rows:
        candidates = [t for t in row.ids if t in allowed and not (row.model and t in down)]
        if row.ranked:
            candidates = candidates[:TOP]
        for position, title_id in enumerate(candidates, start=1):
            if len(row.claimed) == context.settings.discovery_row_size:
                break
            if title_id not in taken:
                row.claimed.append((title_id, position if row.ranked else None))
                taken.add(title_id)


def _rows_out(context: Context, rows: list[Row]) -> list[BrowseRow]:
    every = [t for row in rows for t, _ in row.claimed]
    summaries = {t.id: t for t in _summaries(context, every)}
    out = []
    for row in rows:
        items = [
            RowItem(**summaries[t].model_dump(), rank=rank)
            for t, rank in row.claimed
            if t in summaries
        ]
        if items:
            out.append(BrowseRow(id=row.id, title=row.title, reason=row.reason, items=items))
    return out


def _summaries(context: Context, ids: Sequence[str]) -> list[TitleSummary]:
    """Summaries of the visible ones of ``ids``: the node's visible set is the check."""
    allowed = context.allowed
    return catalog.summaries_of_visible(
        context.session,
        title_ids=[t for t in ids if t in allowed],
        territory=context.territory,
        languages=context.languages,
        artwork_variant=context.knobs.value("artwork", ""),
    )
