"""The HLS playlists ffmpeg's dash muxer writes, made what RFC 8216 and the players ask.

- ``BANDWIDTH`` of a variant is the largest sum of *peak segment bit rates* of the renditions
  that play together (its video, and the largest of each rendition group it names: audio,
  subtitles), measured from the segment files. A playlist's peak segment bit rate is the
  highest bit rate (bytes over EXTINF seconds) of any run of consecutive segments lasting 0.5
  to 1.5 target durations (RFC 8216's definition: a short last segment is measured with the
  one before it, not alone); a playlist too short for any such run counts as one run.
  ``AVERAGE-BANDWIDTH`` is the same sum of average bit rates (all segment bytes over the whole
  duration). ffmpeg wrote the encoder's average as ``BANDWIDTH``, below the measured peaks.
- ``FRAME-RATE`` on every variant, ``#EXT-X-INDEPENDENT-SEGMENTS`` in the master (every segment
  starts with a keyframe: closed 2 s GOPs), variants lowest ``BANDWIDTH`` first (hls.js starts
  with the first one listed), ``#EXT-X-PLAYLIST-TYPE:VOD`` in every media playlist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from marquee.media.manifest import hls_attributes, hls_line

#: RFC 8216: runs of segments lasting this many target durations give the peak.
PEAK_WINDOW = (0.5, 1.5)
_GROUPS = ("AUDIO", "SUBTITLES")


@dataclass(frozen=True)
class Rates:
    """A media playlist's peak and average segment bit rates, in bit/s."""

    peak: int
    average: int


def segments(playlist: str) -> list[tuple[float, str]]:
    """``(EXTINF duration, URI)`` of every media segment of a media playlist."""
    found, duration = [], None
    for line in playlist.splitlines():
        if line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:") :].split(",", 1)[0])
        elif line and not line.startswith("#") and duration is not None:
            found.append((duration, line))
            duration = None
    return found


def target_duration(playlist: str) -> float:
    for line in playlist.splitlines():
        if line.startswith("#EXT-X-TARGETDURATION:"):
            return float(line.split(":", 1)[1])
    return max((d for d, _ in segments(playlist)), default=0.0)


def segment_rates(sizes: list[tuple[float, int]], target_s: float) -> Rates:
    """Peak and average bit rates of segments given as ``(seconds, bytes)`` (module doc)."""
    total_s = sum(d for d, _ in sizes)
    total_bits = 8 * sum(n for _, n in sizes)
    if total_s <= 0:
        return Rates(0, 0)
    low, high = (target_s * f for f in PEAK_WINDOW)
    peak = 0.0
    for first in range(len(sizes)):
        seconds = bits = 0.0
        for duration, size in sizes[first:]:
            seconds, bits = seconds + duration, bits + 8 * size
            if seconds > high:
                break
            if seconds >= low:
                peak = max(peak, bits / seconds)
    if peak == 0.0:  # too short for any run: the whole playlist is the one run
        peak = total_bits / total_s
    return Rates(math.ceil(peak), math.ceil(total_bits / total_s))


def measure(directory: Path, playlist_name: str) -> Rates:
    """The rates of one media playlist of ``directory``, from its segment files' sizes."""
    path = directory / playlist_name
    playlist = path.read_text()
    sizes = [(d, (path.parent / uri).stat().st_size) for d, uri in segments(playlist)]
    return segment_rates(sizes, target_duration(playlist))


def vod_media_playlist(playlist: str) -> str:
    """``#EXT-X-PLAYLIST-TYPE:VOD`` after the target duration, once."""
    if "#EXT-X-PLAYLIST-TYPE:" in playlist:
        return playlist
    lines = []
    for line in playlist.splitlines():
        lines.append(line)
        if line.startswith("#EXT-X-TARGETDURATION:"):
            lines.append("#EXT-X-PLAYLIST-TYPE:VOD")
    return "\n".join(lines) + "\n"


def measured_master(master: str, directory: Path, frame_rate: float | None) -> str:
    """The master with measured ``BANDWIDTH``/``AVERAGE-BANDWIDTH``, ``FRAME-RATE``,
    ``#EXT-X-INDEPENDENT-SEGMENTS`` and its variants lowest bandwidth first."""
    lines = [line for line in master.splitlines() if line.strip()]
    groups = _group_rates(lines, directory)
    head: list[str] = []
    variants: list[tuple[int, list[str]]] = []
    pending: str | None = None
    for line in lines:
        if line.startswith("#EXT-X-STREAM-INF:"):
            pending = line
        elif pending is not None and not line.startswith("#"):
            stream_inf = _variant(pending, line, directory, groups, frame_rate)
            variants.append((int(hls_attributes(stream_inf)["BANDWIDTH"]), [stream_inf, line]))
            pending = None
        elif line != "#EXT-X-INDEPENDENT-SEGMENTS":
            head.append(line)
    at = next((i + 1 for i, line in enumerate(head) if line.startswith("#EXT-X-VERSION")), 1)
    head.insert(at, "#EXT-X-INDEPENDENT-SEGMENTS")
    ordered = [line for _, block in sorted(variants, key=lambda v: v[0]) for line in block]
    return "\n".join([*head, *ordered]) + "\n"


def _group_rates(lines: list[str], directory: Path) -> dict[tuple[str, str], Rates]:
    """The largest peak and average among the renditions of each (type, group id)."""
    found: dict[tuple[str, str], Rates] = {}
    for line in lines:
        if not line.startswith("#EXT-X-MEDIA:"):
            continue
        attrs = hls_attributes(line)
        uri = attrs.get("URI", "").strip('"')
        if not uri:
            continue
        key = (attrs.get("TYPE", ""), attrs.get("GROUP-ID", "").strip('"'))
        rates, before = measure(directory, uri), found.get(key, Rates(0, 0))
        found[key] = Rates(max(rates.peak, before.peak), max(rates.average, before.average))
    return found


def _variant(
    stream_inf: str,
    uri: str,
    directory: Path,
    groups: dict[tuple[str, str], Rates],
    frame_rate: float | None,
) -> str:
    attrs = hls_attributes(stream_inf)
    parts = [measure(directory, uri)]
    parts += [
        groups[(kind, attrs[kind].strip('"'))]
        for kind in _GROUPS
        if kind in attrs and (kind, attrs[kind].strip('"')) in groups
    ]
    measured = {
        "BANDWIDTH": str(sum(p.peak for p in parts)),
        "AVERAGE-BANDWIDTH": str(sum(p.average for p in parts)),
    }
    attrs = measured | {k: v for k, v in attrs.items() if k not in measured}
    if frame_rate and "RESOLUTION" in attrs:
        attrs["FRAME-RATE"] = f"{frame_rate:.3f}"
    return hls_line("EXT-X-STREAM-INF", attrs)
