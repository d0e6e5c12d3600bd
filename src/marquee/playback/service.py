"""Playback's public face, what other domains may call: the viewing history it keeps.

Behind it, one module per concern: :mod:`~marquee.playback.sessions` (start a stream, its
heartbeats, stop; the plan's concurrent stream slots), :mod:`~marquee.playback.liveness` (when
a slot counts), :mod:`~marquee.playback.session_manifests` (a session's manifests and the edges
they name), :mod:`~marquee.playback.licenses` (keys) and :mod:`~marquee.playback.history`.
Discovery and others read the history through :func:`recent_plays`, :func:`history_title_ids`
and :func:`continue_watching`.
"""

from __future__ import annotations

from marquee.playback.history import (
    continue_watching,
    erase_account,
    erase_profile,
    history,
    history_title_ids,
    recent_plays,
    remove_from_history,
)

__all__ = [
    "continue_watching",
    "erase_account",
    "erase_profile",
    "history",
    "history_title_ids",
    "recent_plays",
    "remove_from_history",
]
