"""The Snapshot aggregate: a point-in-time copy of a volume (Cinder's volume snapshot).

A snapshot is requested (`creating`) in the same save as the volume it copies, which records
it among its snapshots (so the volume cannot be deleted meanwhile), and as the project's
`snapshots`/`gigabytes` claim. The storage worker of the volume's host copies the volume in its
pool and reports back (`created`/`create_failed`, `mark_deleted`/`delete_failed`); as with
volumes, an outcome is recorded only while the snapshot still waits for it, so a replayed report
records nothing. Statuses are Cinder's `SnapshotStatus`.
"""

from __future__ import annotations

import enum
from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import InvalidInput
from domain.storage.copy_lifecycle import CopyLifecycle
from domain.storage.quota_claims import snapshot_claim


class SnapshotStatus(str, enum.Enum):
    CREATING = "creating"
    AVAILABLE = "available"
    DELETING = "deleting"
    ERROR = "error"
    ERROR_DELETING = "error_deleting"
    BACKING_UP = "backing-up"  # being copied into a backup
    DELETED = "deleted"  # never shown


S = SnapshotStatus
DELETABLE = frozenset({S.AVAILABLE, S.ERROR})
# What os-reset_status may set (Cinder's SnapshotStatus values this cloud has).
RESETTABLE = frozenset(s for s in S if s is not S.DELETED)
# os-update_snapshot_status (Nova's assisted snapshots): from a status, to which ones.
STATUS_UPDATES = {S.CREATING: frozenset({S.CREATING, S.AVAILABLE, S.ERROR}),
                  S.DELETING: frozenset({S.DELETING, S.ERROR_DELETING})}


class InvalidSnapshot(InvalidInput):
    """Cinder's InvalidSnapshot (400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Invalid snapshot: {reason}")


class Snapshot(CopyLifecycle):
    KIND, RESETTABLE = "snapshot", RESETTABLE
    status: SnapshotStatus

    class Requested(Entity.Created):
        project_id: str
        user_id: str
        volume_id: str  # hex
        name: str | None
        description: str | None
        metadata: dict[str, str]
        size: int
        host: str | None  # the storage host of the volume: its pool holds the copy
        volume_type_id: str | None

    @event(Requested)
    def __init__(self, project_id: str, user_id: str, volume_id: str, name: str | None,
                 description: str | None, metadata: dict[str, str], size: int,
                 host: str | None, volume_type_id: str | None) -> None:
        self.project_id, self.user_id, self.volume_id = project_id, user_id, volume_id
        self.name, self.description, self.metadata = name, description, metadata
        self.size, self.host, self.volume_type_id = size, host, volume_type_id
        self.status, self.progress = S.CREATING, "0%"
        self.path: str | None = None
        self.fault: str | None = None
        self.deleted = False

    def quota_held(self) -> dict[str, int]:
        return snapshot_claim(self.size, self.volume_type_id)

    # -- requests -------------------------------------------------------------------------
    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def update(self, changes: dict[str, Any]) -> None:
        for key in ("name", "description", "metadata"):
            if key in changes:
                setattr(self, key, changes[key])

    group_snapshot_id: str | None = None  # hex: taken as a group snapshot's member

    def join_group_snapshot(self, group_snapshot_id: str) -> None:
        self._group_snapshot_joined(group_snapshot_id)

    class GroupSnapshotJoined(Entity.Event):
        group_snapshot_id: str

    @event(GroupSnapshotJoined)
    def _group_snapshot_joined(self, group_snapshot_id: str) -> None:
        self.group_snapshot_id = group_snapshot_id

    def request_delete(self, force: bool = False, with_group: bool = False) -> None:
        """`force` (an administrator's os-force_delete): from any status, deleting included
        (a status reset to deleting asked the worker for nothing: this asks it). A member of
        a group snapshot goes only with it (`with_group`)."""
        if self.group_snapshot_id is not None and not with_group:
            raise InvalidSnapshot("Snapshot status must be available or error and must not be "
                                  "part of a group.")
        if not force and self.status not in DELETABLE:
            raise InvalidSnapshot("Snapshot status must be available or error and must not be "
                                  "part of a group.")
        self._delete_requested()

    class DeleteRequested(Entity.Event):
        pass

    @event(DeleteRequested)
    def _delete_requested(self) -> None:
        self.status = S.DELETING

    def start_backup(self, backup_id: str) -> None:
        """A backup of the snapshot (Cinder's create backup with snapshot_id): it is
        `backing-up` until the worker reports the copy made or failed."""
        if self.status is not S.AVAILABLE:
            raise InvalidSnapshot(f"Snapshot to be backed up must be available, but the "
                                  f"current status is \"{self.status.value}\".")
        self._backup_started(backup_id)

    class BackupStarted(Entity.Event):
        backup_id: str

    @event(BackupStarted)
    def _backup_started(self, backup_id: str) -> None:
        self.status, self.backing_up = S.BACKING_UP, backup_id

    backing_up: str | None = None  # the backup copying it now (class default: none)

    def backup_ended(self, backup_id: str) -> None:
        if self.status is S.BACKING_UP and self.backing_up == backup_id:
            self._backup_ended(backup_id)

    class BackupEnded(Entity.Event):
        backup_id: str

    @event(BackupEnded)
    def _backup_ended(self, backup_id: str) -> None:
        self.status, self.backing_up = S.AVAILABLE, None

    def hand_over(self, project_id: str, user_id: str) -> None:
        """Its volume was transferred with its snapshots: it belongs to the new owner."""
        self._handed_over(project_id, user_id)

    class HandedOver(Entity.Event):
        project_id: str
        user_id: str

    @event(HandedOver)
    def _handed_over(self, project_id: str, user_id: str) -> None:
        self.project_id, self.user_id = project_id, user_id

    class StatusReset(Entity.Event):
        status: str
        previous: str

    @event(StatusReset)
    def _status_reset(self, status: str, previous: str) -> None:
        self.status = S(status)

    def update_status(self, status: str, progress: str | None) -> None:
        """Cinder's os-update_snapshot_status: only along STATUS_UPDATES."""
        allowed = STATUS_UPDATES.get(self.status, frozenset())
        if status not in {s.value for s in allowed}:
            raise InvalidInput(f"Invalid input received: Provided snapshot status {status} "
                               f"not allowed for snapshot with status {self.status.value}.")
        if status != self.status.value or (progress is not None and progress != self.progress):
            self._status_updated(status, progress if progress is not None else self.progress)

    class StatusUpdated(Entity.Event):
        status: str
        progress: str

    @event(StatusUpdated)
    def _status_updated(self, status: str, progress: str) -> None:
        self.status, self.progress = S(status), progress

    # -- outcomes the storage worker reports ---------------------------------------------------
    def created(self, path: str) -> None:
        if self.status is S.CREATING:
            self._created(path)

    class Provisioned(Entity.Event):
        path: str

    @event(Provisioned)
    def _created(self, path: str) -> None:
        self.status, self.path, self.progress, self.fault = S.AVAILABLE, path, "100%", None

    class ProvisionFailed(Entity.Event):
        reason: str

    @event(ProvisionFailed)
    def _create_failed(self, reason: str) -> None:
        self.status, self.fault = S.ERROR, reason

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def _deleted(self) -> None:
        self.status, self.deleted = S.DELETED, True

    class DeleteFailed(Entity.Event):
        reason: str

    @event(DeleteFailed)
    def _delete_failed(self, reason: str) -> None:
        self.status, self.fault = S.ERROR_DELETING, reason
