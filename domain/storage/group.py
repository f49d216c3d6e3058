"""The Group aggregate: Cinder's generic volume group (3.13), volumes of the group's volume types
kept together so they can be snapshotted together (group_snapshot.py).

A group holds nothing on a backend: made empty, it is available at once. Made from a group
snapshot or another group (3.14), its volumes are made in the same save, each a copy of a member
snapshot or volume, and it stays `creating` until the storage worker has made all of them (then
`available`, or `error` if any failed). A group is saved with the project's `groups` claim, and
each volume joining or leaving is saved with it, so a volume is in one group at most. Statuses
are Cinder's `GroupStatus`.
"""

from __future__ import annotations

import enum
from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import InvalidInput


class GroupStatus(str, enum.Enum):
    CREATING = "creating"
    AVAILABLE = "available"
    UPDATING = "updating"
    DELETING = "deleting"
    DELETED = "deleted"
    ERROR = "error"
    ERROR_DELETING = "error_deleting"
    IN_USE = "in-use"


S = GroupStatus
DELETABLE = frozenset({S.AVAILABLE, S.ERROR, S.ERROR_DELETING})
UPDATABLE = ("name", "description")


class InvalidGroup(InvalidInput):
    """Cinder's InvalidGroup (400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Invalid Group: {reason}")


class Group(Entity):
    class Created(Entity.Created):
        project_id: str
        user_id: str
        name: str | None
        description: str | None
        group_type_id: str  # hex
        volume_type_ids: list[str]  # hex, in the order given
        availability_zone: str
        source_group_id: str | None  # hex: made as a copy of that group
        group_snapshot_id: str | None  # hex: made from that group snapshot
        pending: list[str] | None  # hex ids of the volumes being made from the source

    @event(Created)
    def __init__(self, project_id: str, user_id: str, name: str | None,
                 description: str | None, group_type_id: str, volume_type_ids: list[str],
                 availability_zone: str, source_group_id: str | None = None,
                 group_snapshot_id: str | None = None, pending: list[str] | None = None
                 ) -> None:
        self.project_id, self.user_id = project_id, user_id
        self.name, self.description = name, description
        self.group_type_id, self.volume_type_ids = group_type_id, list(volume_type_ids)
        self.availability_zone = availability_zone
        self.source_group_id, self.group_snapshot_id = source_group_id, group_snapshot_id
        self.pending: set[str] = set(pending or ())
        self.volumes: set[str] = set(pending or ())
        self.group_snapshots: set[str] = set()
        self.failed = False
        self.status = S.CREATING if self.pending else S.AVAILABLE
        self.deleted = False

    @staticmethod
    def quota_held() -> dict[str, int]:
        return {"groups": 1}

    # -- requests -----------------------------------------------------------------------------
    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def update(self, changes: dict[str, Any]) -> None:
        for key in UPDATABLE:
            if key in changes:
                setattr(self, key, changes[key])

    def check_accepts(self, volume_type_id: str | None) -> None:
        """A volume joining (made in the group, or added): the group must be available and
        the volume of one of the group's types."""
        if self.status is not S.AVAILABLE:
            raise InvalidGroup(f"Group {self.id} status must be available, but current status "
                               f"is: {self.status.value}.")
        if volume_type_id not in self.volume_type_ids:
            raise InvalidInput("Invalid input received: Invalid volume_type provided: "
                               f"{volume_type_id}. The group {self.id} does not support this "
                               "volume type.")

    def change_members(self, added: list[str], removed: list[str]) -> None:
        """Cinder's update with add_volumes/remove_volumes (the volumes checked themselves)."""
        if self.status is not S.AVAILABLE:
            raise InvalidGroup(f"Group {self.id} status must be available, but current status "
                               f"is: {self.status.value}.")
        if added or removed:
            self._members_changed(sorted(added), sorted(removed))

    class MembersChanged(Entity.Event):
        added: list[str]
        removed: list[str]

    @event(MembersChanged)
    def _members_changed(self, added: list[str], removed: list[str]) -> None:
        self.volumes = (self.volumes | set(added)) - set(removed)

    def check_delete(self, delete_volumes: bool, members: int) -> None:
        """`members`: how many live volumes are in it."""
        if self.status not in DELETABLE:
            raise InvalidGroup(f"Group status must be available or error, but current status "
                               f"is: {self.status.value}")
        if members and not delete_volumes:
            raise InvalidGroup(f"Group {self.id} still contains volumes. The delete-volumes "
                               "flag is required to delete it.")
        if self.group_snapshots:
            raise InvalidGroup(f"Group {self.id} still has dependent group snapshots.")

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def delete(self) -> None:
        """No backend holds a group: it goes at once (its volumes' deletions asked in the
        same save)."""
        self.status, self.deleted = S.DELETED, True

    def reset_status(self, status: str) -> None:
        """3.20: an administrator sets any of Cinder's group statuses."""
        if status not in {s.value for s in S if s is not S.DELETED}:
            raise InvalidInput(f"Invalid input received: Group status: {status} is invalid, "
                               f"valid statuses are: {sorted(s.value for s in S)}.")
        if status != self.status.value:
            self._status_reset(status, self.status.value)

    class StatusReset(Entity.Event):
        status: str
        previous: str

    @event(StatusReset)
    def _status_reset(self, status: str, previous: str) -> None:
        self.status = S(status)

    # -- its group snapshots --------------------------------------------------------------------
    def snapshot_taken(self, group_snapshot_id: str) -> None:
        if self.status is not S.AVAILABLE:
            raise InvalidGroup(f"Group {self.id} status must be available, but current status "
                               f"is: {self.status.value}.")
        self._snapshot_taken(group_snapshot_id)

    class SnapshotTaken(Entity.Event):
        group_snapshot_id: str

    @event(SnapshotTaken)
    def _snapshot_taken(self, group_snapshot_id: str) -> None:
        self.group_snapshots = self.group_snapshots | {group_snapshot_id}

    def snapshot_gone(self, group_snapshot_id: str) -> None:
        if group_snapshot_id in self.group_snapshots:
            self._snapshot_dropped(group_snapshot_id)

    class SnapshotDropped(Entity.Event):
        group_snapshot_id: str

    @event(SnapshotDropped)
    def _snapshot_dropped(self, group_snapshot_id: str) -> None:
        self.group_snapshots = self.group_snapshots - {group_snapshot_id}

    # -- a group made from a source: its volumes reported made ---------------------------------
    def member_made(self, volume_id: str, ok: bool) -> None:
        if self.status is S.CREATING and volume_id in self.pending:
            self._member_made(volume_id, ok)

    class MemberMade(Entity.Event):
        volume_id: str
        ok: bool

    @event(MemberMade)
    def _member_made(self, volume_id: str, ok: bool) -> None:
        self.pending = self.pending - {volume_id}
        self.failed = self.failed or not ok
        if not self.pending:
            self.status = S.ERROR if self.failed else S.AVAILABLE
