"""The Backup aggregate: a copy of a volume's data kept apart from the volume (Cinder's backup).

A backup is requested (`creating`) in the same save as the volume (or snapshot) it copies, which
goes `backing-up` meanwhile, and as the project's `backups`/`backup_gigabytes` claim. The storage
worker of the volume's host copies the data into its backup store, a file named by the backup's
id (Cinder's posix driver), and reports back; a restore copies it back into a volume. As with
volumes, an outcome is recorded only while the backup still waits for it, so a replayed report
records nothing. Statuses are Cinder's `BackupStatus`.

An incremental backup names its parent (the volume's newest available backup), which then has
a dependent and refuses deletion until the dependent is gone (Cinder's has_dependent_backups).
The store keeps every backup whole, so a restore never needs the chain.
"""

from __future__ import annotations

import enum
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import InvalidInput
from domain.storage.copy_lifecycle import CopyLifecycle


class BackupStatus(str, enum.Enum):
    CREATING = "creating"
    AVAILABLE = "available"
    DELETING = "deleting"
    DELETED = "deleted"  # never shown
    RESTORING = "restoring"
    ERROR = "error"
    ERROR_DELETING = "error_deleting"


S = BackupStatus
DELETABLE = frozenset({S.AVAILABLE, S.ERROR})
# What os-reset_status may set (Cinder's backup manager allows these two).
RESETTABLE = frozenset({S.AVAILABLE, S.ERROR})


class InvalidBackup(InvalidInput):
    """Cinder's InvalidBackup (400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Invalid backup: {reason}")


class Backup(CopyLifecycle):
    KIND, RESETTABLE = "backup", RESETTABLE
    status: BackupStatus

    @staticmethod
    def create_id(given_id: str | None = None, **_: Any) -> UUID:
        """Its own new id; an imported record keeps the id it names (Cinder's import)."""
        return UUID(given_id) if given_id else uuid4()

    class Requested(Entity.Created):
        project_id: str
        user_id: str
        volume_id: str  # hex
        snapshot_id: str | None  # hex: a backup of that snapshot of the volume
        name: str | None
        description: str | None
        metadata: dict[str, str]
        size: int
        host: str | None  # the storage host whose worker copies it and keeps the copy
        availability_zone: str
        container: str | None
        parent_id: str | None  # hex: the backup an incremental one follows
        data_timestamp: str  # when the data was taken (a snapshot's creation, else now)
        source: dict[str, Any]  # the volume's image facts and metadata, for its restore
        given_id: str | None  # an imported record's id (None: a new backup)
        data_of: str | None  # an imported record: the backup (hex) whose stored data it is

    @event(Requested)
    def __init__(self, project_id: str, user_id: str, volume_id: str, snapshot_id: str | None,
                 name: str | None, description: str | None, metadata: dict[str, str],
                 size: int, host: str | None, availability_zone: str, container: str | None,
                 parent_id: str | None, data_timestamp: str, source: dict[str, Any],
                 given_id: str | None = None, data_of: str | None = None) -> None:
        self.project_id, self.user_id = project_id, user_id
        self.volume_id, self.snapshot_id = volume_id, snapshot_id
        self.name, self.description, self.metadata = name, description, metadata
        self.size, self.host, self.availability_zone = size, host, availability_zone
        self.container, self.parent_id = container, parent_id
        self.data_timestamp, self.source, self.data_of = data_timestamp, source, data_of
        self.status = S.CREATING
        self.dependents: set[str] = set()
        self.object_count = 0
        self.fail_reason: str | None = None
        self.restore_volume_id: str | None = None
        self.deleted = False

    def quota_held(self) -> dict[str, int]:
        return {"backups": 1, "backup_gigabytes": self.size}

    @property
    def is_incremental(self) -> bool:
        return self.parent_id is not None

    # -- requests -------------------------------------------------------------------------
    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def update(self, changes: dict[str, Any]) -> None:
        for key in ("name", "description", "metadata"):
            if key in changes:
                setattr(self, key, changes[key])

    def check_parent(self) -> None:
        """The newest available backup of a volume, asked to be an incremental's parent."""
        if self.status is not S.AVAILABLE:
            raise InvalidBackup("No backups available to do an incremental backup.")

    def depended_on(self, backup_id: str) -> None:
        self._dependent_added(backup_id)

    class DependentAdded(Entity.Event):
        backup_id: str

    @event(DependentAdded)
    def _dependent_added(self, backup_id: str) -> None:
        self.dependents = {*self.dependents, backup_id}

    def dependent_gone(self, backup_id: str) -> None:
        if backup_id in self.dependents:
            self._dependent_dropped(backup_id)

    class DependentDropped(Entity.Event):
        backup_id: str

    @event(DependentDropped)
    def _dependent_dropped(self, backup_id: str) -> None:
        self.dependents = self.dependents - {backup_id}

    def request_restore(self, volume_id: str) -> None:
        if self.status is not S.AVAILABLE:
            raise InvalidBackup("Backup status must be available")
        self._restore_requested(volume_id)

    class RestoreRequested(Entity.Event):
        volume_id: str

    @event(RestoreRequested)
    def _restore_requested(self, volume_id: str) -> None:
        self.status, self.restore_volume_id = S.RESTORING, volume_id

    def request_delete(self, force: bool = False) -> None:
        """`force` (an administrator's os-force_delete): from any status."""
        if not force and self.status not in DELETABLE:
            raise InvalidBackup("Backup status must be available or error")
        if self.dependents:
            raise InvalidBackup("Incremental backups exist for this backup.")
        self._delete_requested()

    class DeleteRequested(Entity.Event):
        pass

    @event(DeleteRequested)
    def _delete_requested(self) -> None:
        self.status = S.DELETING

    class StatusReset(Entity.Event):
        status: str
        previous: str

    @event(StatusReset)
    def _status_reset(self, status: str, previous: str) -> None:
        self.status = S(status)

    # -- outcomes the storage worker reports ---------------------------------------------------
    def created(self, object_count: int) -> None:
        if self.status is S.CREATING:
            self._created(object_count)

    class Provisioned(Entity.Event):
        object_count: int

    @event(Provisioned)
    def _created(self, object_count: int) -> None:
        self.status, self.object_count, self.fail_reason = S.AVAILABLE, object_count, None

    class ProvisionFailed(Entity.Event):
        reason: str

    @event(ProvisionFailed)
    def _create_failed(self, reason: str) -> None:
        self.status, self.fail_reason = S.ERROR, reason

    def restore_ended(self, volume_id: str, reason: str | None = None) -> None:
        """The restore into `volume_id` is done (`reason`: it failed). The backup is available
        again either way, as in Cinder; the volume tells whether it worked."""
        if self.status is S.RESTORING and self.restore_volume_id == volume_id:
            self._restore_ended(volume_id, reason)

    class RestoreEnded(Entity.Event):
        volume_id: str
        reason: str | None

    @event(RestoreEnded)
    def _restore_ended(self, volume_id: str, reason: str | None) -> None:
        self.status, self.restore_volume_id = S.AVAILABLE, None
        self.fail_reason = reason

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def _deleted(self) -> None:
        self.status, self.deleted = S.DELETED, True

    class DeleteFailed(Entity.Event):
        reason: str

    @event(DeleteFailed)
    def _delete_failed(self, reason: str) -> None:
        self.status, self.fail_reason = S.ERROR_DELETING, reason
