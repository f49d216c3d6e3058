"""EBS-style volumes as the project's Cinder volumes, through the same VolumeService and policy
rules as `/volumes` and `os-volume_attachments`: CreateVolume, DescribeVolumes, AttachVolume,
DetachVolume, DeleteVolume. `vol-…` is derived from the volume's id."""

from __future__ import annotations

import re
from typing import Any

from api.ec2.context import Call, Handler
from api.ec2.errors import Ec2Error, invalid_value
from api.ec2.ids import ec2_id, resolved
from api.ec2.instance_views import find, tag_set
from api.routers.compute_servers import caught_up
from api.volume_placement import place
from domain.errors import InvalidInput, InvalidState
from domain.services.storage.volumes import VolumeRequest
from projections.volumes import VolumeViews

NOT_FOUND = "InvalidVolume.NotFound"
STATES = {"creating": "creating", "available": "available", "in-use": "in-use",
          "attaching": "in-use", "detaching": "in-use", "deleting": "deleting",
          "extending": "in-use", "uploading": "in-use"}


def attachment_item(row: dict[str, Any]) -> dict[str, Any] | None:
    attached = row.get("attachment")
    if not attached or not attached.get("server_id"):
        return None
    status = ("detaching" if attached.get("detach_begun")
              else "attached" if attached.get("attached_at") else "attaching")
    return {"volumeId": ec2_id("vol", row["id"]), "instanceId": ec2_id("i", attached["server_id"]),
            "device": attached.get("device") or attached.get("mountpoint"), "status": status,
            "attachTime": attached.get("attached_at") or row["created_at"],
            "deleteOnTermination": bool(attached.get("delete_on_termination"))}


def volume_item(row: dict[str, Any]) -> dict[str, Any]:
    attachment = attachment_item(row)
    return {"volumeId": ec2_id("vol", row["id"]), "size": row["size"],
            "snapshotId": "", "availabilityZone": row["availability_zone"],
            "status": STATES.get(row["status"], "error"), "createTime": row["created_at"],
            "attachmentSet": [attachment] if attachment else [], "volumeType": "standard",
            "encrypted": False, "multiAttachEnabled": False, "tagSet": tag_set(row)}


def volume_row(call: Call, volume_id: str) -> dict[str, Any]:
    key = resolved(call.cloud.store, "volumes", "vol", volume_id, NOT_FOUND)
    row = VolumeViews(call.cloud.store).get(key)
    if row is None or (row["project_id"] != call.caller.project_id and not call.caller.is_admin):
        raise Ec2Error(NOT_FOUND, f"The volume '{volume_id}' does not exist.")
    return row


def on_project(call: Call, rule: str, row: dict[str, Any] | None = None) -> None:
    project = row["project_id"] if row else call.caller.project_id
    call.enforce(rule, {"project_id": project, "user_id": call.caller.user_id})


def create_volume(call: Call) -> dict[str, Any]:
    on_project(call, "volume:create")
    size = call.params.integer("Size", 0, 1, 16384)
    if size == 0:
        raise Ec2Error("MissingParameter", "The request must contain the parameter Size")
    zone = call.params.get("AvailabilityZone") or None
    host, unschedulable = place(call.cloud, None)
    volume = call.cloud.volumes.create(call.ctx, VolumeRequest(
        size=size, availability_zone=zone, host=host, unschedulable=unschedulable))
    caught_up(call.cloud)
    row = VolumeViews(call.cloud.store).get(volume.id.hex)
    if row is None:
        raise Ec2Error("InternalError", "The volume is not readable yet; describe it.", 500)
    return volume_item(row)


FILTERS = {"status": "status", "availability-zone": "availabilityZone", "volume-id": "volumeId",
           "size": "size"}


def describe_volumes(call: Call) -> dict[str, Any]:
    on_project(call, "volume:get_all")
    rows = VolumeViews(call.cloud.store).list(call.caller.project_id)
    items = [volume_item(r) for r in rows]
    asked = call.params.listed("VolumeId")
    missing = [a for a in asked if a not in {i["volumeId"] for i in items}]
    if missing:
        raise Ec2Error(NOT_FOUND, f"The volume '{missing[0]}' does not exist.")
    if asked:
        items = [i for i in items if i["volumeId"] in asked]
    for name, values in call.params.filters().items():
        if name == "attachment.instance-id":
            items = [i for i in items
                     if {a["instanceId"] for a in i["attachmentSet"]} & set(values)]
        elif name in FILTERS:
            items = [i for i in items if str(i[FILTERS[name]]) in values]
        else:
            raise invalid_value("Filter.Name", name, "This filter is not supported.")
    return {"volumeSet": items}


def device(call: Call) -> str:
    """EC2's device name as the virtio disk of the same letter: every volume is a virtio disk
    here, so `/dev/sdf`, `/dev/xvdf` and `/dev/vdf` all ask for, and show as, `/dev/vdf`."""
    asked = call.params.required("Device")
    match = re.fullmatch(r"/dev/(?:sd|xvd|vd)([b-z])", asked)
    if match is None:
        raise invalid_value("Device", asked, "It must be /dev/sdX, /dev/xvdX or /dev/vdX, "
                            "X from b to z.")
    return f"/dev/vd{match[1]}"


def attach_volume(call: Call) -> dict[str, Any]:
    row = volume_row(call, call.params.required("VolumeId"))
    server = find(call, call.params.required("InstanceId"))
    call.enforce("os_compute_api:os-volumes-attachments:create",
                 {"project_id": server["project_id"], "user_id": server["user_id"]})
    chosen = device(call)
    try:
        call.cloud.volumes.request_attach(call.ctx, row["id"], server["id"], chosen)
    except InvalidState as taken:
        if not str(taken).startswith("The supplied device path"):  # pick_device's refusal
            raise
        raise invalid_value("Device", call.params.values["Device"],
                            f"Attachment point {chosen} is already in use.") from None
    caught_up(call.cloud)
    now = VolumeViews(call.cloud.store).get(row["id"]) or row
    item = attachment_item(now) or {"volumeId": ec2_id("vol", row["id"]),
                                    "instanceId": ec2_id("i", server["id"]),
                                    "status": "attaching"}
    return item


def detach_volume(call: Call) -> dict[str, Any]:
    row = volume_row(call, call.params.required("VolumeId"))
    item = attachment_item(row)
    if item is None:
        raise Ec2Error("IncorrectState", f"Volume '{call.params.values['VolumeId']}' is not "
                       "attached.")
    server = find(call, item["instanceId"])
    call.enforce("os_compute_api:os-volumes-attachments:delete",
                 {"project_id": server["project_id"], "user_id": server["user_id"]})
    call.cloud.volumes.request_detach(call.ctx, server["id"], row["id"])
    return {**item, "status": "detaching"}


def delete_volume(call: Call) -> dict[str, Any]:
    row = volume_row(call, call.params.required("VolumeId"))
    on_project(call, "volume:delete", row)
    try:
        call.cloud.volumes.delete(call.ctx, row["id"])
    except (InvalidState, InvalidInput) as refused:
        if attachment_item(row) is None:
            raise
        raise Ec2Error("VolumeInUse", str(refused)) from None
    return {"return": True}


ACTIONS: dict[str, Handler] = {
    "CreateVolume": create_volume,
    "DescribeVolumes": describe_volumes,
    "AttachVolume": attach_volume,
    "DetachVolume": detach_volume,
    "DeleteVolume": delete_volume,
}
