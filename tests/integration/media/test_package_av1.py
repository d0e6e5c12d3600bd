"""AV1 renditions beside the H.264 ones: their own adaptation sets and variants, the same
segment boundaries, CENC that leaves OBU headers clear, decryptable with their tier's key."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import av
import m3u8
import pytest

from marquee.kit.mpd import parse_mpd, tag
from marquee.media import cenc
from marquee.media.encode import encode_rendition
from marquee.media.encrypt import ContentKey, new_content_key
from marquee.media.ladder import LadderSpec, plan_ladder, with_av1
from marquee.media.manifest import adaptation_sets, hls_attributes
from marquee.media.package import PackageResult, package
from marquee.media.probe import probe
from tests.integration.media.conftest import Sources
from tests.integration.media.test_package import hls_as_mp4, protected_ranges

pytestmark = pytest.mark.slow

AV1_CODECS = re.compile(r"^av01\.0\.\d\dM\.08$")
FOLDERS = ["video/180p/", "video/144p/", "video/av1-180p/", "video/av1-144p/"]


class Packaged:
    """180p (HD key) and 144p (SD key) in H.264, and their AV1 twins with the same keys."""

    def __init__(
        self, result: PackageResult, sd: ContentKey, hd: ContentKey, renditions: list[Path]
    ) -> None:
        self.result, self.renditions = result, renditions
        self.sd, self.hd = sd, hd
        self.keys = [hd, sd, hd, sd]
        self.dir = Path(result.directory)


@pytest.fixture(scope="module")
def packaged(
    sources: Sources, test_ladder: LadderSpec, tmp_path_factory: pytest.TempPathFactory
) -> Packaged:
    work = tmp_path_factory.mktemp("package-av1")
    source = sources.path("h264_aac.mp4")
    info = probe(source)
    plan = with_av1(plan_ladder(info, test_ladder), preset=12)
    renditions = [work / f"{r.name}.mp4" for r in plan.renditions]
    for rendition, path in zip(plan.renditions, renditions, strict=True):
        encode_rendition(source, info, plan, rendition, path)
    sd, hd = new_content_key(), new_content_key()
    result = package(
        renditions, work / "out", segment_s=2.0, key=sd, rendition_keys=[hd, sd, hd, sd]
    )
    return Packaged(result, sd, hd, renditions)


def test_av1_has_adaptation_sets_of_its_own(packaged: Packaged) -> None:
    assert packaged.result.video_folders == FOLDERS
    root = parse_mpd((packaged.dir / "manifest.mpd").read_text())
    video = [a for a in adaptation_sets(root) if a.get("contentType") == "video"]
    codecs = [[r.get("codecs", "") for r in a.findall(tag("Representation"))] for a in video]
    assert [c[0].split(".")[0] for c in codecs] == ["avc1", "avc1", "av01", "av01"]
    assert all(len(c) == 1 for c in codecs)  # one set per codec and key
    assert all(AV1_CODECS.match(c[0]) for c in codecs[2:]), codecs
    switching = {
        a.get("id"): p.get("value")
        for a in video
        for p in a.findall(tag("SupplementalProperty"))
        if p.get("schemeIdUri", "").endswith("adaptation-set-switching:2016")
    }
    ids = [a.get("id") for a in video]
    # H.264 sets switch between themselves, AV1 sets between themselves, never across.
    assert switching == {ids[0]: ids[1], ids[1]: ids[0], ids[2]: ids[3], ids[3]: ids[2]}
    kids = [
        p.get(tag("default_KID", "cenc"))
        for a in video
        for p in a.findall(tag("ContentProtection"))
        if p.get("value") == "cenc"
    ]
    assert kids == [k.kid_uuid for k in packaged.keys]


def test_av1_segments_start_where_the_h264_segments_do(packaged: Packaged) -> None:
    root = parse_mpd((packaged.dir / "manifest.mpd").read_text())
    timelines = {}
    for aset in adaptation_sets(root):
        if aset.get("contentType") != "video":
            continue
        for rep in aset.findall(tag("Representation")):
            template = rep.find(tag("SegmentTemplate"))
            if template is None:
                template = aset.find(tag("SegmentTemplate"))
            assert template is not None
            timescale = int(template.get("timescale", "1"))
            starts, t = [], 0
            for s in template.iter(tag("S")):
                t = int(s.get("t", t))
                for _ in range(int(s.get("r", "0")) + 1):
                    starts.append(round(t / timescale, 3))
                    t += int(s.get("d", "0"))
            timelines[rep.find(tag("BaseURL")).text] = starts  # type: ignore[union-attr]
    assert timelines[FOLDERS[0]] == [0.0, 2.0]
    assert all(starts == timelines[FOLDERS[0]] for starts in timelines.values()), timelines


def test_hls_lists_av1_variants_with_their_codecs(packaged: Packaged) -> None:
    master = m3u8.load(str(packaged.dir / "master.m3u8"))
    codecs = {p.uri: p.stream_info.codecs for p in master.playlists}
    assert set(codecs) == {f"{f}media_{n}.m3u8" for n, f in enumerate(FOLDERS)}
    for n, folder in enumerate(FOLDERS):
        video_codec, audio_codec = codecs[f"{folder}media_{n}.m3u8"].split(",")
        assert audio_codec == "mp4a.40.2"
        if "av1" in folder:
            assert AV1_CODECS.match(video_codec)
        else:
            assert video_codec.startswith("avc1.")
    for n, folder in enumerate(FOLDERS):
        lines = (packaged.dir / folder / f"media_{n}.m3u8").read_text().splitlines()
        keys = [hls_attributes(line)["URI"] for line in lines if line.startswith("#EXT-X-KEY")]
        assert keys
        assert all(uri.endswith(f'?kid={packaged.keys[n].kid_hex}"') for uri in keys)


def test_av1_encryption_protects_tile_data_only(packaged: Packaged) -> None:
    """AV1-ISOBMFF / CENC: every OBU header, sequence header and frame header is clear; only
    whole 16-byte blocks of tile data are protected."""
    protected_seen = 0
    for n, folder in enumerate(FOLDERS[2:], start=2):
        init = (packaged.dir / folder / f"init-{n}.m4s").read_bytes()
        track = cenc.video_track(init)
        assert track is not None
        assert track.av1
        for path in sorted((packaged.dir / folder).glob(f"seg-{n}-*.m4s")):
            data = path.read_bytes()
            for sample in cenc.samples(data, track):
                body = data[sample.offset : sample.offset + sample.size]
                protected = protected_ranges(sample.subsamples)
                assert sum(c + p for c, p in sample.subsamples) == sample.size
                assert all((b - a) % 16 == 0 for a, b in protected)
                for start, header_end, end, kind in obus(body):
                    # A frame or tile group OBU: its header; any other OBU: all of it.
                    clear_end = header_end if kind in (4, 6) else end
                    assert not any(a < clear_end and start < b for a, b in protected), (
                        f"{path.name}: OBU type {kind} at {start} is encrypted"
                    )
                protected_seen += len(protected)
    assert protected_seen > 0


def obus(sample: bytes) -> list[tuple[int, int, int, int]]:
    """``(start, end of its header, end, type)`` of each OBU of a sample (all carry sizes)."""
    found, at = [], 0
    while at < len(sample):
        header = sample[at]
        kind, extension = (header >> 3) & 0x0F, (header >> 2) & 1
        size_at, size, shift = at + 1 + extension, 0, 0
        while True:
            byte = sample[size_at]
            size |= (byte & 0x7F) << shift
            size_at, shift = size_at + 1, shift + 7
            if not byte & 0x80:
                break
        found.append((at, size_at, size_at + size, kind))
        at = size_at + size
    return found


def decoded(path: Path, **options: str) -> list[str]:
    """The MD5 of every picture PyAV decodes from ``path`` (its mp4 demuxer decrypts with a
    ``decryption_key`` option)."""
    with av.open(str(path), options=options) as container:
        return [
            hashlib.md5(frame.to_ndarray().tobytes()).hexdigest()  # noqa: S324
            for frame in container.decode(video=0)
        ]


def test_av1_segments_decrypt_with_their_tiers_key(packaged: Packaged, tmp_path: Path) -> None:
    for n, folder in enumerate(FOLDERS[2:], start=2):
        fmp4 = hls_as_mp4(packaged.dir, f"{folder}media_{n}.m3u8", tmp_path / f"av1-{n}.mp4")
        expected = decoded(packaged.renditions[n])
        assert len(expected) == 100
        assert decoded(fmp4, decryption_key=packaged.keys[n].key_hex) == expected


def test_the_sd_key_does_not_decrypt_the_hd_av1_rendition(
    packaged: Packaged, tmp_path: Path
) -> None:
    fmp4 = hls_as_mp4(packaged.dir, f"{FOLDERS[2]}media_2.m3u8", tmp_path / "hd.mp4")
    expected = set(decoded(packaged.renditions[2]))
    try:
        wrong = set(decoded(fmp4, decryption_key=packaged.sd.key_hex))
    except av.error.FFmpegError:
        wrong = set()  # dav1d refuses the garbage
    assert not wrong & expected
