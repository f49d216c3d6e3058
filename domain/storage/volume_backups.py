"""A volume's part in backups (Cinder's backing-up and restoring-backup statuses).

A backup of the volume itself (not of one of its snapshots) holds the volume `backing-up` from
its request, saved with the new Backup, until the storage worker reports the copy made or
failed; the volume then goes back to the status it had (available, or in-use: Cinder backs up an
attached volume with force). A restore holds the volume `restoring-backup` until the backup's
data is written into it: it then is available again, with the backed-up volume's image facts
(so a restored boot volume is bootable) and metadata, or `error_restoring`. Every outcome names
its backup, so a stale or replayed report changes nothing. Volume's base (volume.py).
"""

from __future__ import annotations

from eventsourcing.domain import event

from domain.base import Entity
from domain.compute.copies import ImageCopy
from domain.storage.volume_states import InvalidVolume, VolumeStatus

S = VolumeStatus


class VolumeBackups(Entity):
    status: VolumeStatus
    size: int
    image: ImageCopy | None
    metadata: dict[str, str]
    path: str | None
    fault: str | None
    bootable: bool
    # Class defaults: volumes recorded before backups existed never took part in one.
    backing_up: str | None = None  # hex id of the backup copying it now
    restoring: str | None = None  # hex id of the backup being restored into it
    previous_status: VolumeStatus | None = None
    backups: tuple[str, ...] = ()  # hex ids of its live backups, oldest first

    def start_backup(self, backup_id: str, force: bool, of_snapshot: bool = False) -> None:
        """Cinder's checks of a backup of the volume; one of its snapshots (`of_snapshot`)
        leaves its status alone. Either way the volume counts the backup among its own, the
        candidates for an incremental backup's parent."""
        if not of_snapshot and self.status not in (S.AVAILABLE, S.IN_USE):
            raise InvalidVolume(f"Volume to be backed up must be available or in-use, but the "
                                f"current status is \"{self.status.value}\".")
        if not of_snapshot and self.status is S.IN_USE and not force:
            raise InvalidVolume("Backing up an in-use volume must use the force flag.")
        self._backup_started(backup_id, None if of_snapshot else self.status.value)

    class BackupStarted(Entity.Event):
        backup_id: str
        previous: str | None  # None: a backup of a snapshot, the volume's status unchanged

    @event(BackupStarted)
    def _backup_started(self, backup_id: str, previous: str | None) -> None:
        self.backups = (*self.backups, backup_id)
        if previous is not None:
            self.status, self.backing_up = S.BACKING_UP, backup_id
            self.previous_status = S(previous)

    def backup_gone(self, backup_id: str) -> None:
        if backup_id in self.backups:
            self._backup_dropped(backup_id)

    class BackupDropped(Entity.Event):
        backup_id: str

    @event(BackupDropped)
    def _backup_dropped(self, backup_id: str) -> None:
        self.backups = tuple(b for b in self.backups if b != backup_id)

    def backup_ended(self, backup_id: str) -> None:
        """The worker made the backup's copy, or failed to: the volume is as it was."""
        if self.status is S.BACKING_UP and self.backing_up == backup_id:
            self._backup_ended(backup_id, (self.previous_status or S.AVAILABLE).value)

    class BackupEnded(Entity.Event):
        backup_id: str
        status: str

    @event(BackupEnded)
    def _backup_ended(self, backup_id: str, status: str) -> None:
        self.status, self.backing_up, self.previous_status = S(status), None, None

    def start_restore(self, backup_id: str, size: int, new: bool = False) -> None:
        """Cinder's checks of a restore into this volume; `new`: the volume made for it in the
        same save (still creating: the restore makes it)."""
        ready = S.CREATING if new else S.AVAILABLE
        if self.status is not ready:
            raise InvalidVolume("Volume to be restored to must be available")
        if size > self.size:
            raise InvalidVolume(f"volume size {self.size} is too small to restore backup of "
                                f"size {size}.")
        self._restore_started(backup_id)

    class RestoreStarted(Entity.Event):
        backup_id: str

    @event(RestoreStarted)
    def _restore_started(self, backup_id: str) -> None:
        self.status, self.restoring = S.RESTORING_BACKUP, backup_id

    def restored(self, backup_id: str, path: str, image: ImageCopy | None,
                 metadata: dict[str, str]) -> None:
        """The backup's data is in the volume: it takes the backed-up volume's image facts
        and metadata (Cinder restores both)."""
        if self.status is S.RESTORING_BACKUP and self.restoring == backup_id:
            self._restored(backup_id, path, image, {**self.metadata, **metadata})

    class Restored(Entity.Event):
        backup_id: str
        path: str
        image: ImageCopy | None
        metadata: dict[str, str]

    @event(Restored)
    def _restored(self, backup_id: str, path: str, image: ImageCopy | None,
                  metadata: dict[str, str]) -> None:
        self.status, self.restoring, self.path, self.fault = S.AVAILABLE, None, path, None
        self.image, self.bootable, self.metadata = image, image is not None, metadata

    def restore_failed(self, backup_id: str, reason: str) -> None:
        if self.status is S.RESTORING_BACKUP and self.restoring == backup_id:
            self._restore_failed(backup_id, reason)

    class RestoreFailed(Entity.Event):
        backup_id: str
        reason: str

    @event(RestoreFailed)
    def _restore_failed(self, backup_id: str, reason: str) -> None:
        self.status, self.restoring, self.fault = S.ERROR_RESTORING, None, reason
