"""Just enough ISO BMFF (MP4) reading to measure CMAF segments as they are, not as a manifest
describes them: the timescale and edit of an init segment's track, and the samples of each
fragment of a media segment with their presentation span (ISO/IEC 14496-12: ``mvhd``,
``mdhd``, ``elst``, ``trex``, ``moof``/``traf`` with ``tfhd``, ``tfdt`` and ``trun``).

Presentation times are composition times less the edit's shift: encoders start AAC with
priming samples and H.264 with B-frames late, and the edit list takes that back out."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

#: tfhd flags
BASE_DATA_OFFSET = 0x01
SAMPLE_DESCRIPTION_INDEX = 0x02
DEFAULT_SAMPLE_DURATION = 0x08
#: trun flags
DATA_OFFSET = 0x01
FIRST_SAMPLE_FLAGS = 0x04
SAMPLE_DURATION = 0x100
SAMPLE_SIZE = 0x200
SAMPLE_FLAGS = 0x400
COMPOSITION_OFFSET = 0x800


class Mp4Error(ValueError):
    """The bytes are not the MP4 this module expects (the message says what is missing)."""


@dataclass(frozen=True)
class Track:
    """What an init segment says of its (only) track; times in its timescale."""

    timescale: int
    default_sample_duration: int
    #: Presentation time = composition time - shift (the edit list: the media time where the
    #: first edit starts, less the empty edits before it).
    shift: int = 0


@dataclass(frozen=True)
class Fragment:
    """One track fragment, in its track's timescale: decode time, sample count, the sum of
    the sample durations, and the presentation span of its samples (edit applied)."""

    decode_time: int
    samples: int
    duration: int
    start: int
    end: int


def boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[str, int, int]]:
    """The boxes in ``data[start:end]``: (type, where its payload starts, where it ends)."""
    end = len(data) if end is None else end
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, at + 8)
            header = 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            raise Mp4Error(f"box {kind!r} at {at} claims {size} bytes of {end - at}")
        yield kind.decode("latin-1"), at + header, at + size
        at += size


def find(data: bytes, path: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(payload start, end) of every box at ``path`` (``moov/trak/mdia/mdhd``)."""
    first, _, rest = path.partition("/")
    found = []
    for kind, payload, box_end in boxes(data, start, end):
        if kind == first:
            found += find(data, rest, payload, box_end) if rest else [(payload, box_end)]
    return found


def track(init: bytes) -> Track:
    """The timescale and default sample duration of an init segment's track."""
    (mdhd, _), *_ = _need(find(init, "moov/trak/mdia/mdhd"), "moov/trak/mdia/mdhd")
    version = init[mdhd]
    offset = 4 + (16 if version == 1 else 8)  # version+flags, creation and modification times
    (timescale,) = struct.unpack_from(">I", init, mdhd + offset)
    trex = find(init, "moov/mvex/trex")
    default = struct.unpack_from(">I", init, trex[0][0] + 12)[0] if trex else 0
    return Track(timescale, default, _shift(init, timescale))


def _shift(init: bytes, timescale: int) -> int:
    """The edit list's shift, in the track's timescale (0 without one)."""
    elst = find(init, "moov/trak/edts/elst")
    if not elst:
        return 0
    (mvhd, _), *_ = _need(find(init, "moov/mvhd"), "moov/mvhd")
    (movie_timescale,) = struct.unpack_from(">I", init, mvhd + (20 if init[mvhd] == 1 else 12))
    at = elst[0][0]
    wide = init[at] == 1
    (count,) = struct.unpack_from(">I", init, at + 4)
    entry = ">Qq" if wide else ">Ii"
    delay = 0
    for i in range(count):
        duration, media_time = struct.unpack_from(entry, init, at + 8 + i * (20 if wide else 12))
        if media_time != -1:
            return int(media_time) - delay
        delay += duration * timescale // movie_timescale
    return -delay


def fragments(segment: bytes, of: Track) -> list[Fragment]:
    """Every track fragment of a media segment, in order."""
    found = []
    for traf, traf_end in _need(find(segment, "moof/traf"), "moof/traf"):
        (tfhd, _), *_ = _need(find(segment, "tfhd", traf, traf_end), "tfhd")
        default = _tfhd_default_duration(segment, tfhd) or of.default_sample_duration
        (tfdt, _), *_ = _need(find(segment, "tfdt", traf, traf_end), "tfdt")
        wide = segment[tfdt] == 1
        (decode_time,) = struct.unpack_from(">Q" if wide else ">I", segment, tfdt + 4)
        times: list[tuple[int, int]] = []  # (composition time, duration) of each sample
        decode = decode_time
        for trun, _ in find(segment, "trun", traf, traf_end):
            for duration, offset in _trun(segment, trun, default):
                times.append((decode + offset, duration))
                decode += duration
        if not times:
            raise Mp4Error("a track fragment without samples")
        found.append(
            Fragment(
                decode_time=decode_time,
                samples=len(times),
                duration=decode - decode_time,
                start=min(time for time, _ in times) - of.shift,
                end=max(time + duration for time, duration in times) - of.shift,
            )
        )
    return found


def _tfhd_default_duration(data: bytes, tfhd: int) -> int:
    (flags,) = struct.unpack_from(">I", data, tfhd)
    flags &= 0xFFFFFF
    if not flags & DEFAULT_SAMPLE_DURATION:
        return 0
    at = tfhd + 8  # version+flags, track_ID
    at += 8 if flags & BASE_DATA_OFFSET else 0
    at += 4 if flags & SAMPLE_DESCRIPTION_INDEX else 0
    return int(struct.unpack_from(">I", data, at)[0])


def _trun(data: bytes, trun: int, default_duration: int) -> list[tuple[int, int]]:
    """(duration, composition offset) of each sample of a ``trun`` box."""
    (version_flags, count) = struct.unpack_from(">II", data, trun)
    version, flags = version_flags >> 24, version_flags & 0xFFFFFF
    at = trun + 8
    at += 4 if flags & DATA_OFFSET else 0
    at += 4 if flags & FIRST_SAMPLE_FLAGS else 0
    if not flags & SAMPLE_DURATION and not default_duration:
        raise Mp4Error("trun without sample durations and no default duration")
    samples = []
    for _ in range(count):
        duration, offset = default_duration, 0
        if flags & SAMPLE_DURATION:
            (duration,) = struct.unpack_from(">I", data, at)
            at += 4
        at += 4 if flags & SAMPLE_SIZE else 0
        at += 4 if flags & SAMPLE_FLAGS else 0
        if flags & COMPOSITION_OFFSET:
            (offset,) = struct.unpack_from(">i" if version == 1 else ">I", data, at)
            at += 4
        samples.append((duration, offset))
    return samples


def _need(found: list[tuple[int, int]], what: str) -> list[tuple[int, int]]:
    if not found:
        raise Mp4Error(f"no {what} box")
    return found
