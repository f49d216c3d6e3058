"""The volume worker's part in backups: copy a volume (or snapshot) into the backup store,
restore a backup into a volume, delete a backup's copy.

Level-triggered like the volume plans: a Requested, RestoreRequested or DeleteRequested event
says "look at this backup now", and the backup's current status decides (creating: copy it;
restoring: write it into the volume it names; deleting: remove the copy). The store and the
backend are idempotent by id and the outcomes are recorded only while the backup still waits
for them, so a replay after a crash converges.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.context import RequestContext
from domain.services.storage.backup_outcomes import BackupOutcomes
from domain.services.storage.lookup import live
from domain.storage.backends import BackupStore, SourceRef, VolumeBackend, VolumeBackendError
from domain.storage.backup import Backup, BackupStatus
from domain.storage.volume import Volume

log = logging.getLogger(__name__)

WANTED: dict[type, BackupStatus] = {Backup.Requested: BackupStatus.CREATING,
          Backup.RestoreRequested: BackupStatus.RESTORING,
          Backup.DeleteRequested: BackupStatus.DELETING}
TOPICS: tuple[str, ...] = tuple(get_topic(cls) for cls in WANTED)
# Cinder's posix driver stores a backup in objects of this many bytes (its object_count).
OBJECT_BYTES = 1999994880


class BackupWork:
    def __init__(self, backend: VolumeBackend, store: BackupStore, outcomes: BackupOutcomes,
                 host: str) -> None:
        self.backend, self.store, self.outcomes, self.host = backend, store, outcomes, host

    def handles(self, event: Any) -> bool:
        return isinstance(event, tuple(WANTED))

    def due(self, event: Any) -> Backup | None:
        """The backup, when this event still asks this host for something."""
        backup = self.outcomes.load_backup(event.originator_id)
        if backup is None or backup.host != self.host:
            return None
        return backup if backup.status is WANTED[type(event)] else None

    def carry_out(self, backup: Backup, ctx: RequestContext) -> None:
        status = backup.status
        log.info("host %s: backup %s %s (%s)", self.host, backup.id, status.value,
                 ctx.request_id)
        try:
            if status is BackupStatus.CREATING:
                self.outcomes.backup_created(ctx, backup.id, self._copy(backup))
            elif status is BackupStatus.RESTORING:
                volume_id = str(backup.restore_volume_id)
                self.outcomes.backup_restored(ctx, backup.id, volume_id,
                                              self._restore(backup, UUID(volume_id)))
            else:
                self.store.delete(backup.id)
                self.outcomes.backup_deleted(ctx, backup.id)
        except VolumeBackendError as error:
            reason = str(error) or type(error).__name__
            log.warning("host %s: backup %s failed: %s", self.host, backup.id, reason)
            if status is BackupStatus.CREATING:
                self.outcomes.backup_failed(ctx, backup.id, reason)
            elif status is BackupStatus.RESTORING:
                self.outcomes.backup_restored(ctx, backup.id, str(backup.restore_volume_id),
                                              None, reason)
            else:
                self.outcomes.backup_delete_failed(ctx, backup.id, reason)

    def _copy(self, backup: Backup) -> int:
        """The backup's copy made (or, for an imported record, taken from the backup it was
        exported from); returns its object count."""
        if backup.data_of is not None:
            linked = self.store.link(backup.id, UUID(backup.data_of))
            if linked is None:
                raise VolumeBackendError(f"the backup store of host {self.host} holds no data "
                                         f"of backup {UUID(backup.data_of)}")
            size = linked
        else:
            source = SourceRef(UUID(backup.snapshot_id), snapshot=True) if backup.snapshot_id \
                else SourceRef(UUID(backup.volume_id))
            size = self.store.write(backup.id, lambda path: self.backend.export(source, path))
        return max(1, -(-size // OBJECT_BYTES))

    def _restore(self, backup: Backup, volume_id: UUID) -> str:
        path = self.store.path(backup.id)
        if path is None:
            raise VolumeBackendError(f"the backup store of host {self.host} holds no data of "
                                     f"backup {backup.id}")
        # A volume made from the backup may be larger than it (Cinder 3.47): made at its size.
        volume = live(self.outcomes.app, volume_id, Volume)
        size = max(backup.size, volume.size if isinstance(volume, Volume) else 0)
        return str(self.backend.restore(volume_id, size, path).path)
