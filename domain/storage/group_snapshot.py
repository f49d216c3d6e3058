"""The GroupSnapshot aggregate: snapshots of every volume of a group taken together (Cinder's
group snapshot, 3.14).

It is requested in the same save as one ordinary Snapshot per member volume (each claimed on
the project's `snapshots`/`gigabytes` quota and taken on its volume, as a single snapshot is),
which the storage worker makes as it makes any snapshot. It is `available` once every member
snapshot is, `error` if one failed; deleting it asks each member snapshot's deletion, and it is
gone with the last of them. Statuses are Cinder's `GroupSnapshotStatus`; the guards it shares
with snapshots and backups are copy_lifecycle.py's.
"""

from __future__ import annotations

import enum

from eventsourcing.domain import event

from domain.base import Entity
from domain.storage.copy_lifecycle import CopyLifecycle
from domain.storage.group import InvalidGroup


class GroupSnapshotStatus(str, enum.Enum):
    CREATING = "creating"
    AVAILABLE = "available"
    DELETING = "deleting"
    DELETED = "deleted"
    ERROR = "error"
    ERROR_DELETING = "error_deleting"


S = GroupSnapshotStatus
DELETABLE = frozenset({S.AVAILABLE, S.ERROR})


class GroupSnapshot(CopyLifecycle):
    KIND, RESETTABLE = "group snapshot", frozenset(s for s in S if s is not S.DELETED)
    status: GroupSnapshotStatus

    class Requested(Entity.Created):
        project_id: str
        user_id: str
        group_id: str  # hex
        group_type_id: str  # hex
        name: str | None
        description: str | None
        snapshots: dict[str, str]  # member volume (hex) -> its snapshot (hex)

    @event(Requested)
    def __init__(self, project_id: str, user_id: str, group_id: str, group_type_id: str,
                 name: str | None, description: str | None, snapshots: dict[str, str]) -> None:
        self.project_id, self.user_id = project_id, user_id
        self.group_id, self.group_type_id = group_id, group_type_id
        self.name, self.description = name, description
        self.snapshots = dict(snapshots)
        self.pending = set(snapshots.values())  # member snapshots not made yet
        self.status = S.CREATING if self.pending else S.AVAILABLE
        self.fault: str | None = None
        self.deleted = False

    def member_made(self, snapshot_id: str) -> None:
        """The worker made one member snapshot; the last one makes the group snapshot."""
        if self.status is S.CREATING and snapshot_id in self.pending:
            self._member_made(snapshot_id)

    class MemberMade(Entity.Event):
        snapshot_id: str

    @event(MemberMade)
    def _member_made(self, snapshot_id: str) -> None:
        self.pending = self.pending - {snapshot_id}
        if not self.pending:
            self.status = S.AVAILABLE

    class ProvisionFailed(Entity.Event):  # a member snapshot failed (the base's create_failed)
        reason: str

    @event(ProvisionFailed)
    def _create_failed(self, reason: str) -> None:
        self.status, self.fault = S.ERROR, reason

    def request_delete(self) -> None:
        if self.status not in DELETABLE:
            raise InvalidGroup("Group snapshot status must be available or error, but current "
                               f"status is: {self.status.value}")
        self._delete_requested()

    class DeleteRequested(Entity.Event):
        pass

    @event(DeleteRequested)
    def _delete_requested(self) -> None:
        self.status = S.DELETING

    def member_gone(self, snapshot_id: str) -> None:
        """A member snapshot's deletion was confirmed; with the last, the group snapshot goes
        (when it is being deleted)."""
        if snapshot_id in self.snapshots.values():
            self._member_gone(snapshot_id)
        if not self.snapshots:
            self.mark_deleted()

    class MemberGone(Entity.Event):
        snapshot_id: str

    @event(MemberGone)
    def _member_gone(self, snapshot_id: str) -> None:
        self.snapshots = {v: s for v, s in self.snapshots.items() if s != snapshot_id}
        self.pending = self.pending - {snapshot_id}

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

    class StatusReset(Entity.Event):
        status: str
        previous: str

    @event(StatusReset)
    def _status_reset(self, status: str, previous: str) -> None:
        self.status = S(status)
