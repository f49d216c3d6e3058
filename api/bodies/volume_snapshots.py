"""Cinder v3 bodies of volume snapshots, from the snapshot read model."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from api.auth import Caller
from api.bodies.volumes import dashed
from api.deps import CloudServices
from api.microversions import Version
from api.responses.volume_snapshots import VolumeSnapshot
from domain.errors import NotFound
from projections.store import Row
from projections.volume_snapshots import VolumeSnapshotViews


def snapshot_key(ref: str) -> str:
    try:
        return UUID(ref).hex
    except ValueError:
        raise NotFound(f"Snapshot {ref} could not be found.") from None


def visible_snapshot(cloud: CloudServices, caller: Caller, snapshot_id: str) -> Row:
    """A snapshot of the caller's project (any, for an administrator), else Cinder's 404."""
    row = VolumeSnapshotViews(cloud.store).get(snapshot_key(snapshot_id))
    if row is None or (row["project_id"] != caller.project_id and not caller.is_admin):
        raise NotFound(f"Snapshot {snapshot_id} could not be found.")
    return row


def snapshot_body(row: Row, caller: Caller, version: Version,
                  extended: bool = True) -> VolumeSnapshot:
    """`extended`: with the os-extended-snapshot-attributes a show and a detailed list add."""
    body: dict[str, Any] = {
        "id": dashed(row["id"]), "name": row["name"], "description": row["description"],
        "volume_id": dashed(row["volume_id"]), "status": row["status"], "size": row["size"],
        "metadata": dict(row["metadata"] or {}), "created_at": row["created_at"],
        "updated_at": row["updated_at"]}
    if extended:
        body["os-extended-snapshot-attributes:progress"] = row["progress"]
        body["os-extended-snapshot-attributes:project_id"] = row["project_id"]
    if version >= "3.14":
        body["group_snapshot_id"] = dashed(row.get("group_snapshot_id"))
    if version >= "3.41":
        body["user_id"] = row["user_id"]
    if version >= "3.65":
        body["consumes_quota"] = True
    return VolumeSnapshot.model_validate(body)
