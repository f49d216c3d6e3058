"""Cinder's volume snapshot bodies (Tempest's volume/snapshots.py schemas). A show and a
detailed list add the extended attributes (progress, project); later microversions add
group_snapshot_id (3.14), user_id (3.41) and consumes_quota (3.65)."""

from __future__ import annotations

from pydantic import Field

from api.responses.base import MISSING, Body, Link, one_of
from domain.storage.snapshot import SnapshotStatus

NullStr = str | None


class VolumeSnapshot(Body):
    id: str
    name: NullStr
    description: NullStr
    volume_id: str
    status: one_of(s.value for s in SnapshotStatus if s is not SnapshotStatus.DELETED)  # type: ignore
    size: int
    metadata: dict[str, str]
    created_at: str
    updated_at: NullStr
    progress: str = Field(default=MISSING,  # type: ignore[assignment]  # base.py
                          alias="os-extended-snapshot-attributes:progress")
    project_id: str = Field(default=MISSING,  # type: ignore[assignment]
                            alias="os-extended-snapshot-attributes:project_id")
    group_snapshot_id: NullStr = MISSING  # type: ignore[assignment]
    user_id: str = MISSING  # type: ignore[assignment]
    consumes_quota: bool = MISSING  # type: ignore[assignment]


class VolumeSnapshotShow(Body):
    snapshot: VolumeSnapshot


class VolumeSnapshotList(Body):
    snapshots: list[VolumeSnapshot]
    snapshots_links: list[Link] = MISSING  # type: ignore[assignment]
