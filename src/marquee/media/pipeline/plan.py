"""What the jobs know about an asset: the plan ``media.analyse`` stores (probe, ladder,
chunks, audio tracks, subtitles, loudness), read back by every later job, and the names of the
steps and work objects derived from it (``work/{asset_id}/...``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from marquee.kit.queue import JobContext, PermanentJobError
from marquee.media.encode import Chunk
from marquee.media.ladder import LadderPlan, Rendition
from marquee.media.models import Asset
from marquee.media.probe import SourceInfo
from marquee.media.qc import Loudness
from marquee.media.service import work_prefix


@dataclass(frozen=True)
class AudioSpec:
    """An audio track of the output: track ``k`` (0 is the source's first)."""

    k: int
    language: str
    key: str
    stream: int
    loudness: dict[str, Any] | None
    #: A track of the source itself (not an ``--audio`` file).
    from_source: bool = False

    @property
    def step(self) -> str:
        return f"encode:audio:{self.k}"

    @property
    def work_name(self) -> str:
        return f"audio-{self.k}.mp4"


@dataclass(frozen=True)
class Plan:
    """The asset's plan as stored by ``media.analyse``."""

    info: SourceInfo
    ladder: LadderPlan
    chunks: list[Chunk]
    audio: list[AudioSpec]
    subtitles: list[dict[str, Any]]
    loudness: Loudness | None
    source_key: str
    #: Ladder mode's single pass made the thumbnails (under ``work/{id}/thumbs/``).
    single_pass: bool = False

    def rendition(self, name: str) -> Rendition:
        for rendition in self.ladder.renditions:
            if rendition.name == name:
                return rendition
        raise PermanentJobError(f"the ladder has no rendition {name!r}")


def read_plan(session: Session, asset_id: str) -> Plan:
    asset = session.get(Asset, asset_id)
    if asset is None or asset.probe is None or asset.ladder is None:
        raise PermanentJobError(f"asset {asset_id} has not been analysed")
    info = SourceInfo.model_validate(asset.probe)
    qc_loudness = (asset.qc or {}).get("loudness") or []
    return Plan(
        info=info,
        ladder=LadderPlan.model_validate(asset.ladder["plan"]),
        chunks=[Chunk.model_validate(c) for c in asset.chunks or []],
        audio=[AudioSpec(**a) for a in asset.ladder["audio"]],
        subtitles=list(asset.ladder["subtitles"]),
        loudness=Loudness.model_validate(qc_loudness[0]) if qc_loudness else None,
        source_key=asset.source_key,
        single_pass=asset.ladder.get("single_pass", False),
    )


def load_plan(ctx: JobContext, asset_id: str) -> Plan:
    with ctx.services.db.sessions() as session:
        return read_plan(session, asset_id)


def work_key(asset_id: str, name: str) -> str:
    return work_prefix(asset_id) + name


def video_name(rendition: str) -> str:
    return f"video-{rendition}.mp4"


def chunk_name(rendition: str, index: int) -> str:
    return f"chunks/{rendition}-{index:05d}.mp4"


def chunk_step(rendition: str, index: int) -> str:
    return f"encode:{rendition}:chunk{index}"


def source_audio(info: SourceInfo, loudness: list[Loudness], source_key: str) -> list[AudioSpec]:
    by_index = {m.track_index: m.model_dump(mode="json") for m in loudness}
    return [
        AudioSpec(
            k=n,
            language=track.language or "und",
            key=source_key,
            stream=n,
            loudness=by_index.get(track.index),
            from_source=True,
        )
        for n, track in enumerate(info.audio)
    ]
