"""CMAF packaging: one ``ffmpeg -f dash -hls_playlist 1 -c copy`` run writes fMP4 segments
with a DASH MPD and HLS playlists over the same files; WebVTT subtitles ride alongside. The
files then move into one folder per rendition (:mod:`marquee.media.layout`)."""

from __future__ import annotations

import math
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from marquee.kit.mpd import parse_mpd, tag, write_mpd
from marquee.media import hls, layout
from marquee.media.encrypt import (
    KEY_URI_PLACEHOLDER,
    LICENSE_URL_PLACEHOLDER,
    ContentKey,
    ffmpeg_encryption_options,
    protect_package,
)
from marquee.media.ffmpeg import MediaError, ProgressCallback, run_ffmpeg
from marquee.media.manifest import (
    adaptation_sets,
    exact_mpd,
    hls_attributes,
    hls_line,
    quoted,
)
from marquee.media.probe import probe

MPD_NAME = "manifest.mpd"
HLS_MASTER_NAME = "master.m3u8"
DEFAULT_SEGMENT_S = 4.0
SUBTITLE_GROUP = "subs"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class AudioInput(_Model):
    """An audio-only MP4 (from encode_audio) packaged as its own adaptation set."""

    path: str
    language: str | None = None


class SubtitleInput(_Model):
    """A subtitle file (SRT, WebVTT...) or a media file's ``stream``-th subtitle stream."""

    path: str
    language: str | None = None
    stream: int = 0


class PackageResult(_Model):
    directory: str
    mpd: str
    hls_master: str
    media_playlists: list[str]
    init_segments: list[str]
    subtitles: list[str]
    segment_s: float
    duration_s: float
    encrypted: bool
    #: The run's key (the audio's, and the video's where ``rendition_keys`` gave none).
    kid_hex: str | None
    #: Each video rendition's folder (``video/720p/``), in the order of the renditions.
    video_folders: list[str]


class _Track(_Model):
    stream: int
    language: str | None


def package(
    renditions: list[Path],
    out_dir: Path,
    *,
    audio_language: str | None = None,
    extra_audio: list[AudioInput] | None = None,
    subtitles: list[SubtitleInput] | None = None,
    segment_s: float = DEFAULT_SEGMENT_S,
    key: ContentKey | None = None,
    rendition_keys: list[ContentKey] | None = None,
    license_url: str = LICENSE_URL_PLACEHOLDER,
    key_uri: str = KEY_URI_PLACEHOLDER,
    on_progress: ProgressCallback | None = None,
) -> PackageResult:
    """Package rendition MP4s (video of each, audio of the first) into ``out_dir``.

    ``out_dir`` is emptied first, so a retried job starts clean. With ``key`` the same run
    encrypts every segment (CENC) and the manifests and init segments get their signalling;
    ``rendition_keys`` (one per rendition) re-encrypt video renditions with keys of their
    own, each key's renditions in an AdaptationSet of their own.
    """
    if not renditions:
        raise MediaError("package", "no renditions to package")
    extra_audio, subtitles = extra_audio or [], subtitles or []
    keys = rendition_keys or ([key] * len(renditions) if key is not None else [])
    if keys and len(keys) != len(renditions):
        raise MediaError("package", "one key per rendition, or none")
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    infos = [probe(path) for path in renditions]
    codecs = [info.video.codec if info.video else "" for info in infos]
    first = infos[0]
    args, tracks = _dash_args(
        renditions,
        first_has_audio=bool(first.audio),
        audio_language=audio_language,
        extra_audio=extra_audio,
        video_sets=_video_sets(keys, codecs),
    )
    if key is not None:
        args += ["-format_options", ffmpeg_encryption_options(key)]
    args += _dash_options(segment_s, out_dir / MPD_NAME)
    run_ffmpeg(args, step="package", duration_s=first.duration_s, on_progress=on_progress)
    vtts = [_webvtt(sub, out_dir, n) for n, sub in enumerate(subtitles)]
    playlists = sorted(p.name for p in out_dir.glob("media_*.m3u8"))
    frame_rate = first.video.fps if first.video else None
    _finish_manifests(out_dir, tracks, subtitles, vtts, first.duration_s, playlists, frame_rate)
    inits = sorted(p.name for p in out_dir.glob("init-*.m4s"))
    if key is not None:
        protect_package(
            out_dir,
            key,
            mpd_name=MPD_NAME,
            media_playlists=playlists,
            init_segments=inits,
            media_segments={init: _media_segments(out_dir, init) for init in inits},
            rendition_keys={str(n): k for n, k in enumerate(keys)},
            license_url=license_url,
            key_uri=key_uri,
        )
    heights = [info.video.height if info.video else 0 for info in infos]
    folders = layout.video_folders(heights, codecs)
    by_rep = {str(n): folder for n, folder in enumerate(folders)}
    by_rep |= {str(t.stream): layout.AUDIO for t in tracks}
    moved = layout.into_folders(
        out_dir, mpd_name=MPD_NAME, master_name=HLS_MASTER_NAME, folders=by_rep
    )
    return PackageResult(
        directory=str(out_dir),
        mpd=MPD_NAME,
        hls_master=HLS_MASTER_NAME,
        media_playlists=sorted(moved.get(name, name) for name in playlists),
        init_segments=sorted(moved.get(name, name) for name in inits),
        subtitles=[moved.get(name, name) for name in vtts],
        segment_s=segment_s,
        duration_s=first.duration_s,
        encrypted=key is not None,
        kid_hex=key.kid_hex if key is not None else None,
        video_folders=folders,
    )


def _video_sets(keys: list[ContentKey], codecs: list[str]) -> list[list[int]]:
    """The video streams of each video AdaptationSet: one set per codec and key, in the
    order of the renditions (H.264 before AV1; first key first). A DASH set holds one codec,
    so a player that cannot decode AV1 drops the AV1 sets whole and keeps H.264."""
    kids = [k.kid_hex for k in keys] if keys else [""] * len(codecs)
    groups = list(dict.fromkeys(zip(codecs, kids, strict=True)))
    return [
        [n for n, pair in enumerate(zip(codecs, kids, strict=True)) if pair == group]
        for group in groups
    ]


def _dash_args(
    renditions: list[Path],
    *,
    first_has_audio: bool,
    audio_language: str | None,
    extra_audio: list[AudioInput],
    video_sets: list[list[int]],
) -> tuple[list[str], list[_Track]]:
    """Inputs, maps and adaptation sets: the videos in ``video_sets`` (stream numbers), each
    audio in a set of its own."""
    inputs = [*map(str, renditions), *(a.path for a in extra_audio)]
    args = [arg for path in inputs for arg in ("-i", path)]
    args += [arg for n in range(len(renditions)) for arg in ("-map", f"{n}:v:0")]
    tracks = []
    if first_has_audio:
        args += ["-map", "0:a:0"]
        tracks.append(_Track(stream=len(renditions), language=audio_language))
    for n, extra in enumerate(extra_audio):
        args += ["-map", f"{len(renditions) + n}:a:0"]
        tracks.append(_Track(stream=len(renditions) + len(tracks), language=extra.language))
    for n, track in enumerate(tracks):
        args += [f"-metadata:s:a:{n}", f"language={track.language or 'und'}"]
    sets = [f"id={n},streams={','.join(map(str, v))}" for n, v in enumerate(video_sets)]
    sets += [f"id={len(sets) + n},streams={t.stream}" for n, t in enumerate(tracks)]
    return [*args, "-c", "copy", "-adaptation_sets", " ".join(sets)], tracks


def _dash_options(segment_s: float, mpd: Path) -> list[str]:
    return [
        "-f", "dash",
        "-dash_segment_type", "mp4",
        "-seg_duration", f"{segment_s:g}",
        "-use_template", "1",
        "-use_timeline", "1",
        "-init_seg_name", "init-$RepresentationID$.m4s",
        "-media_seg_name", "seg-$RepresentationID$-$Number%05d$.m4s",
        "-hls_playlist", "1",
        "-hls_master_name", HLS_MASTER_NAME,
        str(mpd),
    ]  # fmt: skip


def _webvtt(subtitle: SubtitleInput, out_dir: Path, n: int) -> str:
    """Convert one subtitle track to ``subtitles-<n>.vtt`` in the package."""
    name = f"subtitles-{n}.vtt"
    args = ["-i", subtitle.path, "-map", f"0:s:{subtitle.stream}", "-c:s", "webvtt"]
    run_ffmpeg([*args, str(out_dir / name)], step="package")
    return name


def _media_segments(out_dir: Path, init: str) -> list[str]:
    """The media segments of the representation whose init segment is ``init``."""
    representation = init.removeprefix("init-").removesuffix(".m4s")
    return sorted(p.name for p in out_dir.glob(f"seg-{representation}-*.m4s"))


def _finish_manifests(
    out_dir: Path,
    tracks: list[_Track],
    subtitles: list[SubtitleInput],
    vtts: list[str],
    duration_s: float,
    playlists: list[str],
    frame_rate: float | None,
) -> None:
    """Name audio renditions in the HLS master and reference the subtitles from both; then
    the measured HLS attributes (:mod:`marquee.media.hls`) and an exact MPD."""
    for n, vtt in enumerate(vtts):
        (out_dir / _subtitle_playlist(n)).write_text(subtitle_playlist(vtt, duration_s))
    for name in playlists:
        playlist = out_dir / name
        playlist.write_text(hls.vod_media_playlist(playlist.read_text()))
    master = out_dir / HLS_MASTER_NAME
    text = _hls_master(master.read_text(), tracks, subtitles)
    master.write_text(hls.measured_master(text, out_dir, frame_rate))
    mpd = out_dir / MPD_NAME
    mpd.write_text(
        layout.link_video_sets(exact_mpd(add_text_sets(mpd.read_text(), subtitles, vtts)))
    )


def _subtitle_playlist(n: int) -> str:
    return f"subtitles-{n}.m3u8"


def subtitle_playlist(vtt: str, duration_s: float) -> str:
    """An HLS media playlist holding one WebVTT file for the whole presentation."""
    return (
        "#EXTM3U\n#EXT-X-VERSION:6\n"
        f"#EXT-X-TARGETDURATION:{math.ceil(duration_s)}\n"
        "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        f"#EXTINF:{duration_s:.3f},\n{vtt}\n#EXT-X-ENDLIST\n"
    )


def _hls_master(text: str, tracks: list[_Track], subtitles: list[SubtitleInput]) -> str:
    languages = {f'"media_{t.stream}.m3u8"': t.language for t in tracks}
    lines = [
        _audio_media(line, languages) if line.startswith("#EXT-X-MEDIA:TYPE=AUDIO") else line
        for line in text.splitlines()
    ]
    if subtitles:
        lines = [_with_subtitles(line) for line in lines]
        first = next(i for i, line in enumerate(lines) if line.startswith("#EXT-X-STREAM-INF"))
        lines[first:first] = [_subtitle_media(sub, n) for n, sub in enumerate(subtitles)]
    return "\n".join(lines) + "\n"


def _with_subtitles(line: str) -> str:
    if not line.startswith("#EXT-X-STREAM-INF"):
        return line
    attrs = hls_attributes(line)
    return hls_line("EXT-X-STREAM-INF", {**attrs, "SUBTITLES": quoted(SUBTITLE_GROUP)})


def _audio_media(line: str, languages: dict[str, str | None]) -> str:
    attrs = hls_attributes(line)
    language = languages.get(attrs.get("URI", ""))
    if language:
        attrs = {**attrs, "LANGUAGE": quoted(language), "NAME": quoted(language)}
    return hls_line("EXT-X-MEDIA", {**attrs, "AUTOSELECT": "YES"})


def _subtitle_media(subtitle: SubtitleInput, n: int) -> str:
    attrs = {"TYPE": "SUBTITLES", "GROUP-ID": quoted(SUBTITLE_GROUP)}
    attrs["NAME"] = quoted(subtitle.language or f"subtitles {n}")
    if subtitle.language:
        attrs["LANGUAGE"] = quoted(subtitle.language)
    attrs |= {"DEFAULT": "NO", "AUTOSELECT": "YES", "URI": quoted(_subtitle_playlist(n))}
    return hls_line("EXT-X-MEDIA", attrs)


def add_text_sets(mpd: str, subtitles: list[SubtitleInput], vtts: list[str]) -> str:
    """One ``text/vtt`` AdaptationSet per subtitle file, after the audio/video sets."""
    if not vtts:
        return mpd
    root = parse_mpd(mpd)
    period = root.find(tag("Period"))
    if period is None:
        raise MediaError("package", "the MPD has no Period")
    next_id = len(adaptation_sets(root))
    for n, (subtitle, vtt) in enumerate(zip(subtitles, vtts, strict=True)):
        attrs = {"id": str(next_id + n), "contentType": "text", "mimeType": "text/vtt"}
        aset = ET.SubElement(period, tag("AdaptationSet"), attrs)
        aset.set("lang", subtitle.language or "und")
        role = {"schemeIdUri": "urn:mpeg:dash:role:2011", "value": "subtitle"}
        ET.SubElement(aset, tag("Role"), role)
        rep = ET.SubElement(aset, tag("Representation"), {"id": f"sub{n}", "bandwidth": "256"})
        ET.SubElement(rep, tag("BaseURL")).text = vtt
    return write_mpd(root)
