"""EBS-style snapshots as the project's Cinder volume snapshots, through the same
VolumeSnapshotService and Cinder policy rules as `/snapshots`: CreateSnapshot,
DescribeSnapshots, DeleteSnapshot. `snap-…` is derived from the snapshot's id."""

from __future__ import annotations

from typing import Any

from api.ec2.context import Call, Handler
from api.ec2.errors import Ec2Error
from api.ec2.ids import ec2_id, resolved
from api.ec2.volumes import volume_row
from api.routers.compute_servers import caught_up
from domain.services.storage.snapshots import SnapshotRequest
from projections.volume_snapshots import VolumeSnapshotViews

NOT_FOUND = "InvalidSnapshot.NotFound"
STATES = {"creating": "pending", "available": "completed", "backing-up": "completed",
          "deleting": "pending"}


def snapshot_item(row: dict[str, Any]) -> dict[str, Any]:
    return {"snapshotId": ec2_id("snap", row["id"]), "volumeId": ec2_id("vol", row["volume_id"]),
            "status": STATES.get(row["status"], "error"), "startTime": row["created_at"],
            "progress": row.get("progress") or "", "ownerId": row["project_id"],
            "volumeSize": row["size"], "description": row.get("description") or "",
            "encrypted": False}


def create_snapshot(call: Call) -> dict[str, Any]:
    volume = volume_row(call, call.params.required("VolumeId"))
    call.enforce("volume:create_snapshot", {"project_id": volume["project_id"],
                                            "user_id": call.caller.user_id})
    snapshot = call.cloud.volume_snapshots.create(call.ctx, SnapshotRequest(
        volume_id=volume["id"], description=call.params.get("Description")))
    caught_up(call.cloud)
    row = VolumeSnapshotViews(call.cloud.store).get(snapshot.id.hex)
    if row is None:
        raise Ec2Error("InternalError", "The snapshot is not readable yet; describe it.", 500)
    return snapshot_item(row)


def describe_snapshots(call: Call) -> dict[str, Any]:
    call.enforce("volume:get_all_snapshots")
    rows = VolumeSnapshotViews(call.cloud.store).list(call.caller.project_id)
    items = [snapshot_item(r) for r in rows]
    asked = call.params.listed("SnapshotId")
    missing = [a for a in asked if a not in {i["snapshotId"] for i in items}]
    if missing:
        raise Ec2Error(NOT_FOUND, f"The snapshot '{missing[0]}' does not exist.")
    if asked:
        items = [i for i in items if i["snapshotId"] in asked]
    for name, values in call.params.filters().items():
        field = {"volume-id": "volumeId", "status": "status", "snapshot-id": "snapshotId"}.get(
            name)
        if field is None:
            raise Ec2Error("InvalidParameterValue", f"The filter '{name}' is not supported.")
        items = [i for i in items if i[field] in values]
    return {"snapshotSet": items}


def delete_snapshot(call: Call) -> dict[str, Any]:
    snapshot_id = call.params.required("SnapshotId")
    key = resolved(call.cloud.store, "volume_snapshots", "snap", snapshot_id, NOT_FOUND)
    row = VolumeSnapshotViews(call.cloud.store).get(key)
    if row is None or (row["project_id"] != call.caller.project_id and not call.caller.is_admin):
        raise Ec2Error(NOT_FOUND, f"The snapshot '{snapshot_id}' does not exist.")
    call.enforce("volume:delete_snapshot", {"project_id": row["project_id"],
                                            "user_id": call.caller.user_id})
    call.cloud.volume_snapshots.delete(call.ctx, row["id"])
    return {"return": True}


ACTIONS: dict[str, Handler] = {
    "CreateSnapshot": create_snapshot,
    "DescribeSnapshots": describe_snapshots,
    "DeleteSnapshot": delete_snapshot,
}
