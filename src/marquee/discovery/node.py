"""What one node keeps for discovery: its search index and its memos, one set per data dir."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from marquee.discovery.cards import Cards
from marquee.discovery.index import DIRECTORY, SearchIndex
from marquee.discovery.memo import Memo
from marquee.kit.cache import MemoryCache
from marquee.settings import Settings

_NODES: dict[Path, Node] = {}
#: Browse answers a node keeps copies of (a few tens of kB each).
ROWS_KEPT = 2_000
#: Titles whose search cards a node keeps (a few kB each, one per territory and language).
CARD_TITLES_KEPT = 20_000
_LOCK = threading.Lock()


@dataclass
class Node:
    index: SearchIndex
    visible: Memo[tuple[list[str], frozenset[str]]]
    genres: Memo[list[str]]
    popular: Memo[dict[str, int]]
    ranked: Memo[list[str]]
    #: Summaries of titles that searches showed (see ``cards``).
    cards: Cards
    #: Copies of browse rows read from the shared cache (see ``browse.cached``).
    rows: MemoryCache
    #: Set once a background build of an empty index has been started.
    building: bool = False


def index_path(settings: Settings) -> Path:
    """Where this node's search index lives: :data:`index.DIRECTORY` under the data dir."""
    return Path(settings.data_dir) / DIRECTORY


def node_for(settings: Settings) -> Node:
    """This process's discovery state for ``settings.data_dir`` (the index opened once)."""
    path = index_path(settings)
    with _LOCK:
        if path not in _NODES:
            _NODES[path] = Node(
                index=SearchIndex(path),
                visible=Memo(settings.discovery_visible_ttl_s),
                genres=Memo(settings.discovery_visible_ttl_s),
                popular=Memo(settings.discovery_stats_ttl_s),
                ranked=Memo(settings.discovery_stats_ttl_s),
                cards=Cards(ttl_s=settings.discovery_stats_ttl_s, max_titles=CARD_TITLES_KEPT),
                rows=MemoryCache(max_keys=ROWS_KEPT),
            )
        return _NODES[path]
