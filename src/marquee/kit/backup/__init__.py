"""Backups of a platform's state and their restore (``marquee backup create|restore``).

A backup is a directory: the database dumped by the engine's own tool (``pg_dump`` custom
format, ``mariadb-dump``, or SQLite's online backup API: each a consistent snapshot), the object
store's manifest (key, size, checksum) with the objects themselves for a local store, the
content-key store exactly as it is at rest (wrapped by the KEK), and ``manifest.json`` holding the
versions and a SHA-256 of every file. A restore checks every checksum and that the target is
empty before it writes anything. Domain-free: the content keys and the KEK's fingerprint come
from the caller (the media domain's face).
"""

from marquee.kit.backup.archive import create_backup, restore_backup, summary
from marquee.kit.backup.manifest import BackupError, Manifest

__all__ = ["BackupError", "Manifest", "create_backup", "restore_backup", "summary"]
