"""Media processing: pure functions over local files (probe, qc, ladder, encode, package,
encrypt, thumbnails, vmaf). Every step returns a typed, JSON-serialisable result and raises
:class:`marquee.media.ffmpeg.MediaError` naming the step that failed and why."""
