"""Block Storage volume transfers: `/volume/v3/{project_id}/os-volume-transfer` (Cinder's
first API) and, from 3.55, `/volume-transfers` (with `no_snapshots`): create (the key shown
once), list/detail, show, delete, and accept by another project with the key.

Reads come from the transfer read model; changes go through the transfer service, which hands
the volume over with both projects' quota in one save, so accept answers with the volume
already the new project's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.bodies.volumes import PREFIX, check_path_project, cinder_quota, dashed, volume_key
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.errors import ApiError
from api.microversions import Version, VolumeVersion
from api.responses.volume_transfers import (
    TransferSummaryList,
    TransferSummaryShow,
    VolumeTransferList,
    VolumeTransferShow,
)
from api.routers.compute_servers import caught_up
from api.routers.volume_backups import Uuid
from api.routers.volumes import Text255, owned_by
from domain.errors import NotFound
from projections.store import Row
from projections.volume_transfers import VolumeTransferViews

router = APIRouter(prefix=PREFIX, tags=["volume: transfers"])

_OWNER, _READER = "rule:admin_or_member", "rule:admin_or_reader"
RULES = [
    policy.RuleDefault("volume:create_transfer", _OWNER),
    policy.RuleDefault("volume:accept_transfer", _OWNER),
    policy.RuleDefault("volume:delete_transfer", _OWNER),
    policy.RuleDefault("volume:get_transfer", _READER),
    policy.RuleDefault("volume:get_all_transfers", _READER),
]
LEGACY, NEW = "os-volume-transfer", "volume-transfers"


class TransferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    volume_id: Uuid
    name: Text255 | None = None
    no_snapshots: bool = False  # volume-transfers (3.55) only


class TransferCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    transfer: TransferCreate


class Accept(BaseModel):
    model_config = ConfigDict(extra="forbid")
    auth_key: Annotated[str, Field(min_length=1, max_length=255)]


class AcceptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accept: Accept


def collection(request: Request, version: Version) -> str:
    """Which API the request came through; volume-transfers exists from 3.55 (Cinder's 404
    below, as for any method its microversion lacks)."""
    if f"/{NEW}" not in request.url.path:
        return LEGACY
    if version < "3.55":
        raise ApiError(404, "The resource could not be found.")
    return NEW


def links(cloud: CloudServices, kind: str, project_id: str, ident: str) -> list[dict[str, str]]:
    base = cloud.settings.public_url
    return [{"href": f"{base}/volume/v3/{project_id}/{kind}/{ident}", "rel": "self"},
            {"href": f"{base}/volume/{project_id}/{kind}/{ident}", "rel": "bookmark"}]


def summary(cloud: CloudServices, kind: str, row: Row) -> dict[str, Any]:
    ident = str(dashed(row["id"]))
    return {"id": ident, "volume_id": dashed(row["volume_id"]), "name": row["name"],
            "links": links(cloud, kind, row["project_id"], ident)}


def detail(cloud: CloudServices, kind: str, row: Row, version: Version) -> dict[str, Any]:
    body = {**summary(cloud, kind, row), "created_at": row["created_at"]}
    if version >= "3.55":
        body["no_snapshots"] = bool(row["no_snapshots"])
    if version >= "3.57":
        body.update(destination_project_id=None, source_project_id=row["project_id"],
                    accepted=False)  # the read model holds open transfers only
    return body


def visible(cloud: CloudServices, caller: Caller, transfer_id: str) -> Row:
    try:
        key = volume_key(transfer_id)
    except NotFound:
        key = ""
    row = VolumeTransferViews(cloud.store).get(key)
    if row is None or (row["project_id"] != caller.project_id and not caller.is_admin):
        raise NotFound(f"Transfer {transfer_id} could not be found.")
    return row


def create(project_id: str, body: TransferCreateRequest, request: Request, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    kind = collection(request, version)
    engine.enforce("volume:create_transfer", owned_by(caller.project_id), caller.creds)
    t = body.transfer
    transfer, auth_key = cloud.volume_transfers.create(
        caller.ctx, volume_key(t.volume_id), t.name, t.no_snapshots and kind == NEW)
    caught_up(cloud)
    row = visible(cloud, caller, transfer.id.hex)
    return {"transfer": {**detail(cloud, kind, row, version), "auth_key": auth_key}}


def listed(request: Request, cloud: CloudServices, caller: Caller) -> list[Row]:
    everyone = caller.is_admin and request.query_params.get("all_tenants", "0").lower() in (
        "1", "true", "yes", "on")
    return VolumeTransferViews(cloud.store).list(None if everyone else caller.project_id)


def index(project_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    kind = collection(request, version)
    engine.enforce("volume:get_all_transfers", owned_by(caller.project_id), caller.creds)
    return {"transfers": [summary(cloud, kind, r) for r in listed(request, cloud, caller)]}


def index_detail(project_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                 engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    kind = collection(request, version)
    engine.enforce("volume:get_all_transfers", owned_by(caller.project_id), caller.creds)
    return {"transfers": [detail(cloud, kind, r, version)
                          for r in listed(request, cloud, caller)]}


def show(project_id: str, transfer_id: str, request: Request, cloud: CloudDep,
         caller: CallerDep, engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    kind = collection(request, version)
    row = visible(cloud, caller, transfer_id)
    engine.enforce("volume:get_transfer", owned_by(row["project_id"]), caller.creds)
    return {"transfer": detail(cloud, kind, row, version)}


def delete(project_id: str, transfer_id: str, request: Request, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep, version: VolumeVersion) -> Response:
    check_path_project(project_id, caller)
    collection(request, version)
    row = visible(cloud, caller, transfer_id)
    engine.enforce("volume:delete_transfer", owned_by(row["project_id"]), caller.creds)
    cloud.volume_transfers.delete(caller.ctx, row["id"])
    return Response(status_code=202)


def accept(project_id: str, transfer_id: str, body: AcceptRequest, request: Request,
           cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
           version: VolumeVersion) -> dict[str, Any]:
    """Whoever holds the key accepts, from any project (Cinder looks the transfer up
    elevated): another project's transfer is found here, and a wrong key is its 400."""
    check_path_project(project_id, caller)
    kind = collection(request, version)
    engine.enforce("volume:accept_transfer", owned_by(caller.project_id), caller.creds)
    try:
        key = volume_key(transfer_id)
    except NotFound:
        raise NotFound(f"Transfer {transfer_id} could not be found.") from None
    with cinder_quota(cloud.store):
        transfer = cloud.volume_transfers.accept(caller.ctx, key, body.accept.auth_key)
    ident = str(transfer.id)
    return {"transfer": {"id": ident, "volume_id": str(dashed(transfer.volume_id)),
                         "name": transfer.name,
                         "links": links(cloud, kind, str(caller.project_id), ident)}}


for _kind in (LEGACY, NEW):
    _base = f"/{_kind}"
    router.add_api_route(_base, create, methods=["POST"], status_code=202,
                         response_model=VolumeTransferShow, name=f"create {_kind}")
    router.add_api_route(_base, index, methods=["GET"], response_model=TransferSummaryList,
                         name=f"list {_kind}")
    router.add_api_route(f"{_base}/detail", index_detail, methods=["GET"],
                         response_model=VolumeTransferList, name=f"detail {_kind}")
    router.add_api_route(f"{_base}/{{transfer_id}}", show, methods=["GET"],
                         response_model=VolumeTransferShow, name=f"show {_kind}")
    router.add_api_route(f"{_base}/{{transfer_id}}", delete, methods=["DELETE"],
                         status_code=202, name=f"delete {_kind}")
    router.add_api_route(f"{_base}/{{transfer_id}}/accept", accept, methods=["POST"],
                         status_code=202, response_model=TransferSummaryShow,
                         name=f"accept {_kind}")
