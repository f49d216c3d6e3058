"""Compute `/servers/{id}/os-volume_attachments`: attach a volume to a server, list and show its
attachments, detach one; from 2.85 change an attachment's delete_on_termination (PUT, which
before 2.85 is only Cinder's swap of a migrating volume: none migrates here, so Nova's 409).

An attach reserves the volume and a device of the server in one transaction (the volume service)
and answers at once with the device; the host's worker attaches it to the libvirt domain and the
volume becomes in-use only when libvirt confirmed. A volume that is not available (attached or
being attached elsewhere, even by a concurrent request) is refused with 400, as Nova refuses
Cinder's InvalidVolume; a server that is locked or in a state Nova does not attach in, with 409.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.bodies.volumes import attachment_body, volume_key
from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion
from api.responses.servers import VolumeAttachmentList, VolumeAttachmentShow
from api.routers.compute_servers import caught_up, enforce_on, find_server
from api.strict_query import known_query
from domain.errors import InvalidInput, InvalidState, NotFound
from domain.storage.volume_states import VolumeBusy
from projections.volumes import VolumeViews

router = APIRouter(prefix="/compute/v2.1", tags=["compute: volume attachments"])

_RULE = "os_compute_api:os-volumes-attachments:{}"
RULES = [
    policy.RuleDefault(_RULE.format("index"), "rule:admin_or_reader"),
    policy.RuleDefault(_RULE.format("show"), "rule:admin_or_reader"),
    policy.RuleDefault(_RULE.format("create"), "rule:admin_or_member"),
    policy.RuleDefault(_RULE.format("delete"), "rule:admin_or_member"),
    policy.RuleDefault(_RULE.format("update"), "rule:admin_or_member"),
    policy.RuleDefault(_RULE.format("swap"), "role:service or rule:admin_api"),
]


class AttachmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    volumeId: UUID  # noqa: N815 - Nova's field names
    device: Annotated[str, Field(max_length=255)] | None = None
    tag: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^,/]*$")] | None = None
    delete_on_termination: bool = False  # from 2.79


class AttachmentCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    volumeAttachment: AttachmentCreate  # noqa: N815


DEVICE = r"(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$"


class AttachmentUpdate(BaseModel):
    """Nova's update_v285: what GET shows may be sent back; only delete_on_termination changes
    (a volumeId other than the path's asks for a swap)."""
    model_config = ConfigDict(extra="forbid")
    volumeId: UUID  # noqa: N815 - Nova's field names
    device: Annotated[str, Field(pattern=DEVICE)] | None = None
    tag: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^,/]*$")] | None = None
    delete_on_termination: bool | None = None
    serverId: UUID | None = None  # noqa: N815
    id: UUID | None = None


class AttachmentUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    volumeAttachment: AttachmentUpdate  # noqa: N815


def attachments_of(cloud: CloudDep, server_id: str) -> list[dict[str, Any]]:
    return VolumeViews(cloud.store).of_server(server_id)


@router.post("/servers/{server_id}/os-volume_attachments", response_model=VolumeAttachmentShow,
             responses={202: {"description": "No body (from 2.101)"}})
def create(server_id: str, body: AttachmentCreateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: ComputeVersion) -> Any:
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, _RULE.format("create"), caller, server)
    request = body.volumeAttachment
    for field, since in (("tag", "2.49"), ("delete_on_termination", "2.79")):
        if field in request.model_fields_set and version < since:
            raise InvalidInput(f"Additional properties are not allowed ('{field}' was "
                               "unexpected)")
    try:
        volume = cloud.volumes.request_attach(caller.ctx, str(request.volumeId), server["id"],
                                              request.device, request.tag,
                                              request.delete_on_termination)
    except VolumeBusy as busy:  # Nova turns Cinder's InvalidVolume into a 400
        raise InvalidInput(str(busy)) from None
    if version >= "2.101":  # Nova's attach answers 202 and no body from 2.101
        return Response(status_code=202)
    caught_up(cloud)
    row = VolumeViews(cloud.store).get(volume.id.hex)
    if row is None:  # the read model could not follow; the command itself succeeded
        row = {"id": volume.id.hex, "attachment": volume.attachment}
    held = {"volumes": [{"id": volume.id.hex,
                         "delete_on_termination": request.delete_on_termination}]}
    return {"volumeAttachment": attachment_body(row, version, held, created=True)}


@router.get("/servers/{server_id}/os-volume_attachments", response_model=VolumeAttachmentList,
            dependencies=[known_query("limit", "offset")])
def index(server_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
          version: ComputeVersion, limit: int | None = None,
          offset: int = 0) -> dict[str, Any]:
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, _RULE.format("index"), caller, server)
    if offset < 0 or (limit is not None and limit < 0):
        raise InvalidInput("limit and offset must be 0 or more")
    rows = attachments_of(cloud, server["id"])[offset:]
    rows = rows[:limit] if limit is not None else rows
    return {"volumeAttachments": [attachment_body(r, version, server) for r in rows]}


def attached_volume(cloud: CloudDep, server_id: str, ref: str, shown_id: str) -> dict[str, Any]:
    try:
        key = volume_key(ref)
    except NotFound:
        key = None
    for row in attachments_of(cloud, server_id):
        if row["id"] == key:
            return row
    raise NotFound(f"Instance {shown_id} is not attached to volume {ref}")


@router.get("/servers/{server_id}/os-volume_attachments/{volume_id}",
             response_model=VolumeAttachmentShow)
def show(server_id: str, volume_id: str, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, _RULE.format("show"), caller, server)
    return {"volumeAttachment": attachment_body(
        attached_volume(cloud, server["id"], volume_id, server_id), version, server)}


@router.delete("/servers/{server_id}/os-volume_attachments/{volume_id}", status_code=202)
def delete(server_id: str, volume_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: ComputeVersion) -> Response:
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, _RULE.format("delete"), caller, server)
    row = attached_volume(cloud, server["id"], volume_id, server_id)
    cloud.volumes.request_detach(caller.ctx, server["id"], row["id"])
    return Response(status_code=202)


@router.put("/servers/{server_id}/os-volume_attachments/{volume_id}", status_code=202)
def update(server_id: str, volume_id: str, body: AttachmentUpdateRequest, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep, version: ComputeVersion) -> Response:
    """Before 2.85 only a swap (Cinder's, of a migrating volume); from 2.85 also
    delete_on_termination, as Nova's _update_volume_regular checks it."""
    server = find_server(cloud, caller, server_id)
    request = body.volumeAttachment
    given = request.model_fields_set - {"volumeId"}
    if version < "2.85" and given:
        listed = ", ".join(repr(name) for name in sorted(given))
        raise InvalidInput(f"Additional properties are not allowed ({listed} "
                           f"{'was' if len(given) == 1 else 'were'} unexpected)")
    swap = version < "2.85" or same_volume(volume_id) != request.volumeId
    if swap:
        engine.enforce(_RULE.format("swap"), {}, caller.creds)
    else:
        enforce_on(engine, _RULE.format("update"), caller, server)
    if version >= "2.85":
        row = attached_volume(cloud, server["id"], volume_id, server_id)
        check_immutable(request, row, server)
        if request.delete_on_termination is not None:
            cloud.volumes.set_delete_on_termination(caller.ctx, server["id"], row["id"],
                                                    request.delete_on_termination)
            caught_up(cloud)
    if swap:  # only Cinder swaps, and only a volume it is migrating: none migrates here
        attached_volume(cloud, server["id"], volume_id, server_id)
        raise InvalidState(f"volume {volume_id} is not migrating; this API should only be "
                           "called by Cinder")
    return Response(status_code=202)


def same_volume(ref: str) -> UUID | None:
    try:
        return UUID(ref)
    except ValueError:
        return None


def check_immutable(request: AttachmentUpdate, row: dict[str, Any],
                    server: dict[str, Any]) -> None:
    attachment = row["attachment"] or {}
    fixed = {"id": (request.id, UUID(row["id"])),
             "serverId": (request.serverId, UUID(server["id"])),
             "device": (request.device, attachment.get("device")),
             "tag": (request.tag, attachment.get("tag"))}
    for name, (sent, held) in fixed.items():
        if name in request.model_fields_set and sent != held:
            raise InvalidInput(f"The {name} property is not mutable")
