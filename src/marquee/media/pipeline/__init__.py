"""The ingest pipeline as queued jobs over the object store (docs/media.md, "Pipeline").

``media.analyse`` (probe + QC + ladder) → one ``media.encode_rendition`` per rendition, or
``media.encode_chunk`` per chunk and rendition then ``media.join_rendition`` → extra
``media.encode_audio`` tracks → ``media.package`` (package + encrypt, thumbnails, publish).

Workers share no filesystem: every job downloads its inputs from the object store into a
temporary directory (always removed) and uploads its outputs under ``work/{asset_id}/`` or,
when packaging, ``assets/{asset_id}/``. Jobs are at least once, so each one is idempotent:
object keys are deterministic and overwritten, a step that already succeeded is skipped, and
every hand-over is a conditional update under the asset's row lock, so exactly one job
enqueues the next stage.

``runner`` runs a step, ``plan`` is what the jobs know about an asset, and each stage has its
module: ``analyse`` (with ``subtitles``), ``encode``, ``package`` (with ``thumbnails``).
"""
