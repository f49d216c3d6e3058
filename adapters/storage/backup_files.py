"""The BackupStore port over a directory: one file per backup, named by its uuid, as Cinder's
posix backup driver keeps backups on a mounted file system.

A backup is written under `<uuid>.partial` and renamed to `<uuid>` only once complete, so a
worker killed mid-copy never leaves a file a replay would take for a whole backup; the replay
discards the staging file and copies again. An imported record's data is a hard link to the
file of the backup it was exported from: each backup has its own name, and deleting one leaves
the other whole.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

from domain.process.effects import record
from domain.storage.backends import VolumeBackendError

STAGING_SUFFIX = ".partial"


class BackupFileError(VolumeBackendError):
    """The backup directory refused an action (the message says which and why)."""


class FileBackupStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _file(self, backup_id: UUID) -> Path:
        return self.directory / str(backup_id)

    def write(self, backup_id: UUID, fill: Callable[[Path], None]) -> int:
        whole = self._file(backup_id)
        try:
            if not whole.exists():
                self.directory.mkdir(parents=True, exist_ok=True)
                staging = whole.with_name(whole.name + STAGING_SUFFIX)
                staging.unlink(missing_ok=True)  # an attempt that died half-way
                fill(staging)
                os.replace(staging, whole)
                record("backup-store", "write", str(backup_id), bytes=whole.stat().st_size)
            return whole.stat().st_size
        except OSError as error:
            raise BackupFileError(f"backup {backup_id}: {error}") from error

    def link(self, backup_id: UUID, data_of: UUID) -> int | None:
        whole, source = self._file(backup_id), self._file(data_of)
        try:
            if not whole.exists():
                if not source.exists():
                    return None
                os.link(source, whole)
                record("backup-store", "link", str(backup_id), data_of=str(data_of))
            return whole.stat().st_size
        except OSError as error:
            raise BackupFileError(f"backup {backup_id}: {error}") from error

    def path(self, backup_id: UUID) -> Path | None:
        whole = self._file(backup_id)
        return whole if whole.exists() else None

    def delete(self, backup_id: UUID) -> None:
        whole = self._file(backup_id)
        try:
            for name in (whole, whole.with_name(whole.name + STAGING_SUFFIX)):
                if name.exists():
                    name.unlink(missing_ok=True)
                    record("backup-store", "delete", name.name)
        except OSError as error:
            raise BackupFileError(f"backup {backup_id}: {error}") from error
