"""CENC subsample layout of H.264 samples: NAL headers and non-VCL NAL units stay clear.

ffmpeg's mp4 muxer (``encryption_scheme=cenc-aes-ctr``) writes one subsample per NAL unit and
encrypts everything after the NAL header byte, SEI, SPS, PPS and AUD included: x264's SEI in
the first sample, and in-band CEA-608/708 captions (SEI user data), would be unreadable to a
player before decryption. ISO/IEC 23001-7 wants the NAL length, the NAL header and every
non-VCL NAL unit in the clear. :func:`relayer_segment` re-encrypts each video sample of a
packaged segment in place, with the key, keeping ffmpeg's per-sample IVs and its one subsample
per NAL unit (so no box changes size): a non-VCL NAL unit is all clear; a slice (VCL) NAL unit
keeps its length and header clear and protects a whole number of 16-byte AES blocks of its
body, the remainder of the body before them staying clear. Audio keeps ffmpeg's whole-sample
encryption.

AV1 (ISO/IEC 23001-7 with the AV1-ISOBMFF binding, section 4.2): ffmpeg's muxer already
writes the layout the binding requires, one subsample per OBU with the OBU headers, sequence
and frame headers in the clear and only tile data protected, in whole 16-byte blocks ending
where the tile data ends. Its samples are left as they are, or, for a rendition of another
tier, decrypted and encrypted again with that tier's key under the same layout.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from marquee.media.ffmpeg import MediaError

#: H.264 NAL unit types of coded slices (VCL); everything else is non-VCL and stays clear.
VCL_TYPES = frozenset(range(1, 6))
AES_BLOCK = 16
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"moof", b"traf", b"sinf", b"schi"}
#: Bytes before the child boxes of a sample entry (ISO/IEC 14496-12 VisualSampleEntry).
_VISUAL_ENTRY_HEADER = 78
_TFHD_BASE_OFFSET, _TFHD_DESCRIPTION, _TFHD_DEFAULT_DURATION, _TFHD_DEFAULT_SIZE = 1, 2, 8, 0x10
_TRUN_DATA_OFFSET, _TRUN_FIRST_FLAGS = 0x001, 0x004
_TRUN_DURATION, _TRUN_SIZE, _TRUN_FLAGS, _TRUN_CTO = 0x100, 0x200, 0x400, 0x800
_SENC_OVERRIDE, _SENC_SUBSAMPLES = 0x1, 0x2


@dataclass(frozen=True)
class Box:
    kind: bytes
    start: int
    header: int
    size: int

    @property
    def body(self) -> int:
        return self.start + self.header

    @property
    def end(self) -> int:
        return self.start + self.size


@dataclass(frozen=True)
class VideoTrack:
    """What re-encryption needs of an init segment: the NAL length size (0 for AV1, whose
    samples are OBUs) and the IV size."""

    nal_length_size: int
    iv_size: int

    @property
    def av1(self) -> bool:
        return self.nal_length_size == 0


@dataclass(frozen=True)
class Sample:
    """One encrypted sample of a fragment: where its bytes are, its IV, its subsamples
    ``(clear, protected)`` and where that subsample list is written in ``senc``."""

    offset: int
    size: int
    iv: bytes
    subsamples: tuple[tuple[int, int], ...]
    senc_offset: int


@dataclass(frozen=True)
class Nal:
    """A NAL unit inside a sample: ``start`` of its length field, ``size`` including it."""

    start: int
    size: int
    kind: int

    @property
    def vcl(self) -> bool:
        return self.kind in VCL_TYPES


def boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[Box]:
    """The boxes between ``start`` and ``end`` (one level)."""
    end = len(data) if end is None else end
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            raise MediaError("encrypt", f"corrupt box {kind!r} at byte {offset}")
        yield Box(kind, offset, header, size)
        offset += size


def find(data: bytes, path: str, start: int = 0, end: int | None = None) -> Box | None:
    """The first box along ``path`` (``"moov/trak/mdia"``), descending into containers."""
    first, _, rest = path.partition("/")
    for found in boxes(data, start, end):
        if found.kind == first.encode():
            return find(data, rest, found.body, found.end) if rest else found
    return None


def video_track(init: bytes) -> VideoTrack | None:
    """The protected H.264 or AV1 track of an init segment; None for audio or a clear track."""
    stsd = find(init, "moov/trak/mdia/minf/stbl/stsd")
    if stsd is None:
        raise MediaError("encrypt", "init segment has no sample description")
    entry = next(boxes(init, stsd.body + 8, stsd.end), None)  # version, flags, entry count
    if entry is None or entry.kind != b"encv":
        return None
    children = entry.body + _VISUAL_ENTRY_HEADER
    avcc = find(init, "avcC", children, entry.end)
    av1c = find(init, "av1C", children, entry.end)
    tenc = find(init, "sinf/schi/tenc", children, entry.end)
    if (avcc is None and av1c is None) or tenc is None:
        return None
    nal_length_size = 0 if avcc is None else (init[avcc.body + 4] & 0x03) + 1
    iv_size = init[tenc.body + 4 + 3]  # version/flags, reserved ×2, isProtected, then IV size
    return VideoTrack(nal_length_size=nal_length_size, iv_size=iv_size)


def samples(segment: bytes, track: VideoTrack) -> list[Sample]:
    """Every sample of every fragment of a media segment, with its CENC auxiliary data."""
    found: list[Sample] = []
    for moof in (b for b in boxes(segment) if b.kind == b"moof"):
        for traf in (b for b in boxes(segment, moof.body, moof.end) if b.kind == b"traf"):
            found += _fragment_samples(segment, moof, traf, track)
    return found


def _fragment_samples(segment: bytes, moof: Box, traf: Box, track: VideoTrack) -> list[Sample]:
    tfhd = find(segment, "tfhd", traf.body, traf.end)
    senc = find(segment, "senc", traf.body, traf.end)
    if tfhd is None or senc is None:
        raise MediaError("encrypt", "an encrypted fragment without tfhd or senc")
    base, default_size = _track_fragment_defaults(segment, tfhd, moof)
    offsets_sizes: list[tuple[int, int]] = []
    position = base
    for trun in (b for b in boxes(segment, traf.body, traf.end) if b.kind == b"trun"):
        position, sizes = _run(segment, trun, base, position, default_size)
        offsets_sizes += sizes
    return _with_aux_info(segment, senc, offsets_sizes, track)


def _track_fragment_defaults(segment: bytes, tfhd: Box, moof: Box) -> tuple[int, int]:
    """Where the fragment's sample data offsets count from, and its default sample size."""
    (flags,) = struct.unpack_from(">I", segment, tfhd.body)
    at = tfhd.body + 8  # version/flags, track id
    base = moof.start  # default-base-is-moof, and the first fragment of a segment
    if flags & _TFHD_BASE_OFFSET:
        (base,) = struct.unpack_from(">Q", segment, at)
        at += 8
    at += 4 * sum(1 for field in (_TFHD_DESCRIPTION, _TFHD_DEFAULT_DURATION) if flags & field)
    default_size = 0
    if flags & _TFHD_DEFAULT_SIZE:
        (default_size,) = struct.unpack_from(">I", segment, at)
    return base, default_size


def _run(
    segment: bytes, trun: Box, base: int, position: int, default_size: int
) -> tuple[int, list[tuple[int, int]]]:
    (flags, count) = struct.unpack_from(">II", segment, trun.body)
    flags &= 0xFFFFFF
    at = trun.body + 8
    if flags & _TRUN_DATA_OFFSET:
        (data_offset,) = struct.unpack_from(">i", segment, at)
        position = base + data_offset
        at += 4
    if flags & _TRUN_FIRST_FLAGS:
        at += 4
    fields = [_TRUN_DURATION, _TRUN_SIZE, _TRUN_FLAGS, _TRUN_CTO]
    sizes = []
    for _ in range(count):
        size = default_size
        for field in fields:
            if flags & field:
                if field == _TRUN_SIZE:
                    (size,) = struct.unpack_from(">I", segment, at)
                at += 4
        sizes.append((position, size))
        position += size
    return position, sizes


def _with_aux_info(
    segment: bytes, senc: Box, offsets_sizes: list[tuple[int, int]], track: VideoTrack
) -> list[Sample]:
    flags, count = struct.unpack_from(">II", segment, senc.body)
    flags &= 0xFFFFFF
    if flags & _SENC_OVERRIDE or count != len(offsets_sizes):
        raise MediaError("encrypt", "senc does not match the fragment's samples")
    at = senc.body + 8
    found = []
    for offset, size in offsets_sizes:
        iv = segment[at : at + track.iv_size]
        at += track.iv_size
        senc_offset, subsamples = at, []
        if flags & _SENC_SUBSAMPLES:
            (entries,) = struct.unpack_from(">H", segment, at)
            at += 2
            for _ in range(entries):
                subsamples.append(struct.unpack_from(">HI", segment, at))
                at += 6
        found.append(Sample(offset, size, iv, tuple(subsamples), senc_offset))
    return found


def nal_units(sample: bytes, length_size: int) -> list[Nal]:
    """The length-prefixed NAL units of a sample (lengths and headers are clear bytes)."""
    units, at = [], 0
    while at < len(sample):
        if at + length_size + 1 > len(sample):
            raise MediaError("encrypt", "a sample ends inside a NAL length")
        size = length_size + int.from_bytes(sample[at : at + length_size], "big")
        if size <= length_size or at + size > len(sample):
            raise MediaError("encrypt", "a NAL unit runs past its sample")
        units.append(Nal(at, size, sample[at + length_size] & 0x1F))
        at += size
    return units


def clear_layout(units: list[Nal], length_size: int) -> list[tuple[int, int]]:
    """One ``(clear, protected)`` subsample per NAL unit: non-VCL all clear; a slice's length
    and header clear, then whole AES blocks of its body protected."""
    layout = []
    for unit in units:
        body = unit.size - length_size - 1
        protected = body - body % AES_BLOCK if unit.vcl else 0
        clear = unit.size - protected
        if clear > 0xFFFF:
            raise MediaError("encrypt", f"a {clear}-byte clear NAL unit needs several subsamples")
        layout.append((clear, protected))
    return layout


def _ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-CTR over a sample's protected bytes: the IV, then a 64-bit block counter from 0."""
    counter = iv.ljust(AES_BLOCK, b"\0")
    crypt = Cipher(algorithms.AES(key), modes.CTR(counter)).encryptor()
    return crypt.update(data) + crypt.finalize()


def _protected(sample: bytearray | bytes, layout: Sequence[tuple[int, int]]) -> bytes:
    parts, at = [], 0
    for clear, protected in layout:
        at += clear
        parts.append(bytes(sample[at : at + protected]))
        at += protected
    return b"".join(parts)


def _put_protected(sample: bytearray, layout: Sequence[tuple[int, int]], data: bytes) -> None:
    at, taken = 0, 0
    for clear, protected in layout:
        at += clear
        sample[at : at + protected] = data[taken : taken + protected]
        at += protected
        taken += protected


def with_default_kid(init: bytes, kid: bytes) -> bytes:
    """``init`` with its protected track's ``tenc`` naming ``kid`` (same size)."""
    stsd = find(init, "moov/trak/mdia/minf/stbl/stsd")
    entry = None if stsd is None else next(boxes(init, stsd.body + 8, stsd.end), None)
    children = 0 if entry is None else entry.body + _VISUAL_ENTRY_HEADER
    tenc = None if entry is None else find(init, "sinf/schi/tenc", children, entry.end)
    if tenc is None:
        raise MediaError("encrypt", "init segment has no track encryption box")
    at = tenc.body + 8  # version/flags, reserved ×2, isProtected, IV size, then the key id
    return init[:at] + kid + init[at + 16 :]


def relayer_segment(
    segment: bytes, track: VideoTrack, key: bytes, new_key: bytes | None = None
) -> bytes:
    """``segment`` with every sample re-encrypted under :func:`clear_layout` (same size), with
    ``new_key`` when given (a rendition of another tier than the run's key). AV1 samples
    keep ffmpeg's layout (see the module) and change only with ``new_key``."""
    if track.av1:
        return segment if new_key is None else _rekey_segment(segment, track, key, new_key)
    out = bytearray(segment)
    for sample in samples(segment, track):
        data = bytearray(segment[sample.offset : sample.offset + sample.size])
        clear_text = _ctr(key, sample.iv, _protected(data, sample.subsamples))
        _put_protected(data, sample.subsamples, clear_text)
        units = nal_units(bytes(data), track.nal_length_size)
        layout = clear_layout(units, track.nal_length_size)
        if len(layout) != len(sample.subsamples):
            raise MediaError("encrypt", "ffmpeg did not write one subsample per NAL unit")
        _put_protected(data, layout, _ctr(new_key or key, sample.iv, _protected(data, layout)))
        out[sample.offset : sample.offset + sample.size] = data
        at = sample.senc_offset + 2
        for clear, protected in layout:
            struct.pack_into(">HI", out, at, clear, protected)
            at += 6
    return bytes(out)


def _rekey_segment(segment: bytes, track: VideoTrack, key: bytes, new_key: bytes) -> bytes:
    """``segment`` with every sample's protected bytes under ``new_key`` (same IVs, same
    subsamples)."""
    out = bytearray(segment)
    for sample in samples(segment, track):
        data = bytearray(segment[sample.offset : sample.offset + sample.size])
        clear_text = _ctr(key, sample.iv, _protected(data, sample.subsamples))
        _put_protected(data, sample.subsamples, _ctr(new_key, sample.iv, clear_text))
        out[sample.offset : sample.offset + sample.size] = data
    return bytes(out)
