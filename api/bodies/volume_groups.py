"""Cinder v3 bodies of volume groups and group snapshots, from their read models; and the
lookups of one as the caller may see it (Cinder's 404 otherwise)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from api.auth import Caller
from api.bodies.volumes import dashed
from api.deps import CloudServices
from api.microversions import Version
from domain.errors import NotFound
from projections.store import Row
from projections.volume_groups import GroupSnapshotViews, VolumeGroupViews
from projections.volumes import VolumeViews


def _key(ref: str, what: str) -> str:
    try:
        return UUID(ref).hex
    except ValueError:
        raise NotFound(f"{what} {ref} could not be found.") from None


def visible_group(cloud: CloudServices, caller: Caller, group_id: str) -> Row:
    row = VolumeGroupViews(cloud.store).get(_key(group_id, "Group"))
    if row is None or (row["project_id"] != caller.project_id and not caller.is_admin):
        raise NotFound(f"Group {group_id} could not be found.")
    return row


def visible_group_snapshot(cloud: CloudServices, caller: Caller, ref: str) -> Row:
    row = GroupSnapshotViews(cloud.store).get(_key(ref, "GroupSnapshot"))
    if row is None or (row["project_id"] != caller.project_id and not caller.is_admin):
        raise NotFound(f"GroupSnapshot {ref} could not be found.")
    return row


def group_body(cloud: CloudServices, row: Row, version: Version,
               list_volume: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": dashed(row["id"]), "name": row["name"], "status": row["status"],
        "description": row["description"], "availability_zone": row["availability_zone"],
        "created_at": row["created_at"], "group_type": dashed(row["group_type_id"]),
        "volume_types": [dashed(t) for t in row["volume_type_ids"]]}
    if version >= "3.14":
        body["group_snapshot_id"] = dashed(row["group_snapshot_id"])
        body["source_group_id"] = dashed(row["source_group_id"])
    if version >= "3.25" and list_volume:
        volumes = VolumeViews(cloud.store).list(row["project_id"])
        body["volumes"] = [dashed(v["id"]) for v in volumes if v.get("group_id") == row["id"]]
    if version >= "3.38":
        body["replication_status"] = "disabled"
    return body


def group_snapshot_body(row: Row) -> dict[str, Any]:
    return {"id": dashed(row["id"]), "name": row["name"], "status": row["status"],
            "description": row["description"], "created_at": row["created_at"],
            "group_id": dashed(row["group_id"]), "group_type_id": dashed(row["group_type_id"])}
