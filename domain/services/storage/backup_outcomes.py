"""What the storage worker reports about backups: each outcome becomes events on the backup and
on what it held busy (the volume or snapshot it copied, the volume it restored into), in one
save. Every report is idempotent: a replayed one finds the backup past that point and records
nothing. The project's backup claim, and the parent's hold on a dependent, go with a confirmed
deletion."""

from __future__ import annotations

from uuid import UUID

from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import NotFound
from domain.services.quotas import open_ledger
from domain.services.storage.lookup import Lookup, live
from domain.storage.backup import Backup
from domain.storage.snapshot import Snapshot
from domain.storage.volume import Volume


class BackupOutcomes(Lookup):
    def backup(self, ctx: RequestContext, backup_id: UUID | str) -> Backup:
        found = self.load_backup(backup_id)
        if found is None or (found.project_id != ctx.project_id and not ctx.is_admin):
            raise NotFound(f"Backup {backup_id} could not be found.")
        return found

    def load_backup(self, backup_id: UUID | str) -> Backup | None:
        found = live(self.app, backup_id, Backup)
        return found if isinstance(found, Backup) else None

    def _copied(self, backup: Backup) -> tuple[Volume | None, Snapshot | None]:
        """The volume and snapshot the backup was taken of, as far as they still live."""
        volume = live(self.app, backup.volume_id, Volume)
        snapshot = live(self.app, backup.snapshot_id, Snapshot) if backup.snapshot_id else None
        return (volume if isinstance(volume, Volume) else None,
                snapshot if isinstance(snapshot, Snapshot) else None)

    def _copy_ended(self, backup: Backup) -> list[object]:
        volume, snapshot = self._copied(backup)
        if volume is not None:
            volume.backup_ended(backup.id.hex)
        if snapshot is not None:
            snapshot.backup_ended(backup.id.hex)
        return [volume, snapshot]

    @command
    def backup_created(self, ctx: RequestContext, backup_id: UUID | str,
                       object_count: int) -> None:
        backup = self.load_backup(backup_id)
        if backup is None:
            return
        backup.created(object_count)
        self.app.save(*changed(backup, *self._copy_ended(backup)))

    @command
    def backup_failed(self, ctx: RequestContext, backup_id: UUID | str, reason: str) -> None:
        """The backup goes to error and keeps its claim until it is deleted (as in Cinder)."""
        backup = self.load_backup(backup_id)
        if backup is None:
            return
        backup.create_failed(reason)
        self.app.save(*changed(backup, *self._copy_ended(backup)))

    @command
    def backup_restored(self, ctx: RequestContext, backup_id: UUID | str, volume_id: str,
                        path: str | None, reason: str | None = None) -> None:
        """The restore into `volume_id` is done (`path`: the volume's), or failed (`reason`:
        the volume is in error_restoring). The backup is available again either way."""
        backup = self.load_backup(backup_id)
        if backup is None:
            return
        backup.restore_ended(volume_id, reason)
        found = live(self.app, volume_id, Volume)
        volume = found if isinstance(found, Volume) else None
        if volume is not None and reason is None and path is not None:
            volume.restored(backup.id.hex, path, backup.source.get("image"),
                            dict(backup.source.get("metadata") or {}))
        elif volume is not None:
            volume.restore_failed(backup.id.hex, reason or "restore failed")
        self.app.save(*changed(backup, volume))

    @command
    def backup_deleted(self, ctx: RequestContext, backup_id: UUID | str) -> None:
        backup = self.load_backup(backup_id)
        if backup is None:
            return
        backup.mark_deleted()
        if not backup.pending_events:
            return
        ledger = open_ledger(self.app, backup.project_id)
        ledger.release(backup.quota_held())
        found = live(self.app, backup.parent_id, Backup) if backup.parent_id else None
        parent = found if isinstance(found, Backup) else None
        if parent is not None:
            parent.dependent_gone(backup.id.hex)
        volume, snapshot = self._copied(backup)
        if volume is not None:
            volume.backup_ended(backup.id.hex)  # force-deleted while it was being made
            volume.backup_gone(backup.id.hex)
        if snapshot is not None:
            snapshot.backup_ended(backup.id.hex)
        self.app.save(*changed(backup, ledger, parent, volume, snapshot))

    @command
    def backup_delete_failed(self, ctx: RequestContext, backup_id: UUID | str,
                             reason: str) -> None:
        backup = self.load_backup(backup_id)
        if backup is not None:
            backup.delete_failed(reason)
            self.app.save(*changed(backup))
