"""Volume backup commands (Cinder's /backups): create, update, restore, delete, reset-status and
import of an exported record; the storage worker's reports are in backup_outcomes.py.

A backup is saved with what it holds busy, in one save: the volume (backing-up, and counting the
backup among its own) or the snapshot it copies, the parent an incremental backup follows, and
the project's `backups`/`backup_gigabytes` claim. A restore into a new volume saves that volume
with the project's `volumes`/`gigabytes` claim and the backup, so a restore over quota commits
nothing. Claims are given back when the worker confirms a deletion.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound
from domain.services.quotas import default_limits, open_ledger
from domain.services.storage.backup_outcomes import BackupOutcomes
from domain.services.storage.lookup import live
from domain.services.storage.volumes import VolumeRequest, VolumeService, check_volume_size_limit
from domain.storage.attachment import now
from domain.storage.backup import Backup, InvalidBackup
from domain.storage.quota_claims import volume_claim
from domain.storage.snapshot import Snapshot
from domain.storage.volume import Volume
from domain.storage.volume_states import InvalidVolume

UPDATABLE = ("name", "description", "metadata")


@dataclass(frozen=True)
class BackupRequest:
    volume_id: str
    name: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    container: str | None = None
    incremental: bool = False
    force: bool = False
    snapshot_id: str | None = None


@dataclass(frozen=True)
class BackupRecord:
    """An exported backup (Cinder's backup-record) to import under `id`."""

    id: str
    name: str | None
    description: str | None
    volume_id: str
    size: int
    container: str | None
    data_of: str  # the backup whose stored data this record names
    host: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)


class BackupService(BackupOutcomes):
    def __init__(self, app: SkyLedger, availability_zone: str = "nova") -> None:
        self.app, self.availability_zone = app, availability_zone

    @command
    def create(self, ctx: RequestContext, req: BackupRequest) -> Backup:
        volume = self.volume(ctx, req.volume_id)
        snapshot = self._snapshot_of(ctx, volume, req.snapshot_id)
        ledger = open_ledger(self.app, str(ctx.project_id))
        parent = self._newest_backup(volume) if req.incremental else None
        taken = snapshot.created_on.strftime("%Y-%m-%dT%H:%M:%S.%f") if snapshot else now()
        backup = Backup(
            str(ctx.project_id), str(ctx.user_id), volume.id.hex,
            snapshot.id.hex if snapshot else None, req.name, req.description,
            dict(req.metadata), volume.size, volume.host, self.availability_zone,
            req.container, parent.id.hex if parent else None, taken,
            {"image": volume.image, "metadata": dict(volume.metadata)})
        volume.start_backup(backup.id.hex, req.force, of_snapshot=snapshot is not None)
        if snapshot is not None:
            snapshot.start_backup(backup.id.hex)
        ledger.claim({"backups": 1, "backup_gigabytes": volume.size}, default_limits(self.app))
        if parent is not None:
            parent.depended_on(backup.id.hex)
        self.app.save(*changed(backup, volume, snapshot, parent, ledger))
        return backup

    def _snapshot_of(self, ctx: RequestContext, volume: Volume,
                     snapshot_id: str | None) -> Snapshot | None:
        if snapshot_id is None:
            return None
        snapshot = live(self.app, snapshot_id, Snapshot)
        if not isinstance(snapshot, Snapshot) or (snapshot.project_id != ctx.project_id
                                                  and not ctx.is_admin):
            raise NotFound(f"Snapshot {snapshot_id} could not be found.")
        if snapshot.volume_id != volume.id.hex:
            raise InvalidVolume(f"Volume {volume.id} does not match with snapshot.volume_id "
                                f"{UUID(snapshot.volume_id)}.")
        return snapshot

    def _newest_backup(self, volume: Volume) -> Backup:
        """The parent of an incremental backup: the volume's available backup whose data is
        newest (Cinder's choice), refused when there is none."""
        found = [b for b in (live(self.app, i, Backup) for i in volume.backups)
                 if isinstance(b, Backup)]
        if not found:
            raise InvalidBackup("No backups available to do an incremental backup.")
        newest = max(found, key=lambda b: (b.status.value == "available", b.data_timestamp))
        newest.check_parent()
        return newest

    @command
    def update(self, ctx: RequestContext, backup_id: UUID | str,
               changes: dict[str, Any]) -> Backup:
        backup = self.backup(ctx, backup_id)
        unknown = sorted(set(changes) - set(UPDATABLE))
        if unknown:
            raise InvalidInput(f"Invalid input received: cannot update {', '.join(unknown)}.")
        different = {k: v for k, v in changes.items() if getattr(backup, k) != v}
        if different:
            backup.update(different)
            self.app.save(backup)
        return backup

    @command
    def restore(self, ctx: RequestContext, backup_id: UUID | str, volume_id: str | None,
                name: str | None) -> Volume:
        """Into the volume named (available, large enough, on the backup's host), or into a
        new one of the backup's size (Cinder's restore_backup_<id>)."""
        backup = self.backup(ctx, backup_id)
        if backup.status.value != "available":
            raise InvalidBackup("Backup status must be available")
        ledger = None
        if volume_id is None:
            ledger = open_ledger(self.app, str(ctx.project_id))
            defaults = default_limits(self.app)
            check_volume_size_limit(ledger, backup.size, defaults)
            ledger.claim(volume_claim(backup.size, None), defaults)  # of the default type
            volume = Volume(str(ctx.project_id), str(ctx.user_id),
                            name or f"restore_backup_{backup.id}",
                            "auto-created_from_restore_from_backup", backup.size,
                            self.availability_zone, None, {}, backup.host)
            volume.start_restore(backup.id.hex, backup.size, new=True)
        else:
            volume = self.volume(ctx, volume_id)
            volume.start_restore(backup.id.hex, backup.size)
            if volume.host != backup.host:
                raise InvalidVolume(f"Volume {volume.id} is on host {volume.host}; backup "
                                    f"{backup.id} is kept on host {backup.host}.")
        backup.request_restore(volume.id.hex)
        self.app.save(*changed(volume, backup, ledger))
        return volume

    @command
    def create_volume(self, ctx: RequestContext, backup_id: UUID | str,
                      req: VolumeRequest) -> Volume:
        """Cinder 3.47's volume from a backup: a new volume as `req` asks (its size at least
        the backup's, by default the backup's), made on the backup's host, claimed on the
        quota and restoring the backup, saved with the backup in one save."""
        backup = self.backup(ctx, backup_id)
        if backup.status.value != "available":  # Cinder's words (its create flow's)
            raise InvalidBackup("Originating backup status must be one of 'available' values")
        size = backup.size if req.size is None else req.size
        if size < backup.size:
            raise InvalidInput(f"Invalid input received: Volume size {size}GB cannot be "
                               f"smaller than the backup size {backup.size}GB. It must be >= "
                               "backup size.")
        ledger = open_ledger(self.app, str(ctx.project_id))
        made = replace(req, size=size, host=backup.host, unschedulable=None)
        volume, saved = VolumeService(self.app, self.availability_zone).build(ctx, made, ledger)
        volume.start_restore(backup.id.hex, backup.size, new=True)
        backup.request_restore(volume.id.hex)
        self.app.save(*changed(volume, backup, ledger, *saved))
        return volume

    @command
    def delete(self, ctx: RequestContext, backup_id: UUID | str,
               force: bool = False) -> Backup:
        backup = self.backup(ctx, backup_id)
        backup.request_delete(force)
        self.app.save(*changed(backup))
        return backup

    @command
    def reset_status(self, ctx: RequestContext, backup_id: UUID | str, status: str) -> Backup:
        backup = self.backup(ctx, backup_id)
        backup.reset_status(status)
        self.app.save(*changed(backup))
        return backup

    @command
    def import_record(self, ctx: RequestContext, record: BackupRecord) -> Backup:
        """A backup made again from an exported record, in the caller's project, under the
        record's id; the worker of its host takes the stored data of the backup the record
        was exported from (Cinder's import_record). Claims the project's backup quota as a
        new backup does, which its deletion gives back."""
        if self.app.find(UUID(record.id)) is not None:
            raise InvalidBackup("Backup already exists in database.")
        ledger = open_ledger(self.app, str(ctx.project_id))
        backup = Backup(str(ctx.project_id), str(ctx.user_id), record.volume_id, None,
                        record.name, record.description, dict(record.metadata), record.size,
                        record.host, self.availability_zone, record.container, None, now(),
                        dict(record.source), given_id=record.id, data_of=record.data_of)
        ledger.claim({"backups": 1, "backup_gigabytes": record.size},
                     default_limits(self.app))
        self.app.save(backup, ledger)
        return backup
