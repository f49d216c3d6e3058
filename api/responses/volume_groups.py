"""Cinder's generic volume group and group snapshot bodies (Tempest's volume/groups.py and
group_snapshots.py schemas). A group shows group_snapshot_id and source_group_id from 3.14,
its volumes from 3.25 when asked (`list_volume`), replication_status from 3.38."""

from __future__ import annotations

from api.responses.base import MISSING, Body, one_of
from domain.storage.group import GroupStatus
from domain.storage.group_snapshot import GroupSnapshotStatus

NullStr = str | None


class GroupRef(Body):  # a create's answer, and a brief list's item
    id: str
    name: NullStr


class Group(Body):
    id: str
    name: NullStr
    status: one_of(s.value for s in GroupStatus if s is not GroupStatus.DELETED)  # type: ignore
    description: NullStr
    availability_zone: str
    created_at: str
    group_type: str
    volume_types: list[str]
    group_snapshot_id: NullStr = MISSING  # type: ignore[assignment]
    source_group_id: NullStr = MISSING  # type: ignore[assignment]
    volumes: list[str] = MISSING  # type: ignore[assignment]
    replication_status: NullStr = MISSING  # type: ignore[assignment]


class GroupCreated(Body):
    group: GroupRef


class GroupShow(Body):
    group: Group


class GroupList(Body):
    groups: list[Group] | list[GroupRef]


class GroupSnapshotRef(Body):
    id: str
    name: NullStr


class GroupSnapshotCreatedRef(GroupSnapshotRef):
    group_type_id: str


class GroupSnapshot(Body):
    id: str
    name: NullStr
    status: one_of(s.value for s in GroupSnapshotStatus  # type: ignore
                   if s is not GroupSnapshotStatus.DELETED)
    description: NullStr
    created_at: str
    group_id: str
    group_type_id: str


class GroupSnapshotCreated(Body):
    group_snapshot: GroupSnapshotCreatedRef


class GroupSnapshotShow(Body):
    group_snapshot: GroupSnapshot


class GroupSnapshotList(Body):
    group_snapshots: list[GroupSnapshot] | list[GroupSnapshotRef]
