"""Block Storage `/volume/v3/{project_id}/backups`: create (of a volume, an in-use one with
force, incremental, of a snapshot), list/detail (filters, sort, marker, limit, offset), show,
update (3.9), delete, restore (into a new volume or an existing one), export_record and
import_record (administrators), and the actions os-reset_status and os-force_delete.

Reads come from the backup read model; changes go through the backup service. The storage
worker of the volume's host makes, restores and deletes the copy, so create, restore and delete
answer 202 while it works.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.auth import Caller
from api.backup_views import (
    BACKUP_SERVICE,
    backup_body,
    backup_key,
    backup_summary,
    export_record,
    imported_record,
    visible_backup,
)
from api.bodies.volumes import PREFIX, check_path_project, cinder_quota, dashed, volume_key
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.errors import ApiError, describe_validation
from api.microversions import VolumeVersion
from api.policy import PolicyEngine
from api.responses.volume_backups import (
    BackupRecordShow,
    BackupSummaryList,
    BackupSummaryShow,
    RestoreShow,
    VolumeBackupList,
    VolumeBackupShow,
)
from api.routers.compute_servers import caught_up
from api.routers.volumes import Description, Metadata, Text255, owned_by
from api.volume_listing import SNAPSHOT_SORT_KEYS, ordered, page_of, sort_order
from domain.errors import InvalidInput
from domain.services.storage.backups import BackupRequest
from projections.store import Row
from projections.volume_backups import VolumeBackupViews

router = APIRouter(prefix=PREFIX, tags=["volume: backups"])

_OWNER, _READER, _ADMIN = "rule:admin_or_member", "rule:admin_or_reader", "rule:admin_api"
RULES = [
    policy.RuleDefault("backup:create", _OWNER),
    policy.RuleDefault("backup:get", _READER),
    policy.RuleDefault("backup:get_all", _READER),
    policy.RuleDefault("backup:update", _OWNER),
    policy.RuleDefault("backup:delete", _OWNER),
    policy.RuleDefault("backup:restore", _OWNER),
    policy.RuleDefault("backup:backup-import", _ADMIN),
    policy.RuleDefault("backup:export-import", _ADMIN),
    policy.RuleDefault("volume_extension:backup_admin_actions:reset_status", _ADMIN),
    policy.RuleDefault("volume_extension:backup_admin_actions:force_delete", _ADMIN),
]
SORT_KEYS = {**SNAPSHOT_SORT_KEYS, "container": lambda r: r["container"]}
Uuid = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")]


class BackupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    volume_id: Uuid
    container: Annotated[str, Field(max_length=255)] | None = None
    name: Text255 | None = None
    description: Description | None = None
    incremental: bool = False
    force: bool = False
    snapshot_id: Uuid | None = None
    metadata: Metadata | None = None  # 3.43
    availability_zone: Annotated[str, Field(max_length=255)] | None = None  # 3.51


class BackupCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    backup: BackupCreate


class BackupUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text255 | None = None
    description: Description | None = None
    metadata: Metadata | None = None  # 3.43


class BackupUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    backup: BackupUpdate | None = None


class RestoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text255 | None = None
    volume_id: Uuid | None = None


class RestoreBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    restore: RestoreRequest | None = None


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")
    backup_service: Annotated[str, Field(min_length=1, max_length=255)]
    backup_url: Annotated[str, Field(min_length=1)]


class ImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    record: Record = Field(alias="backup-record")


class ResetStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Annotated[str, Field(max_length=255)]


class ForceDelete(BaseModel):
    model_config = ConfigDict(extra="forbid")


def base_url(cloud: CloudServices) -> str:
    return str(cloud.settings.public_url)


@router.post("/backups", status_code=202, response_model=BackupSummaryShow)
def create(project_id: str, body: BackupCreateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    engine.enforce("backup:create", owned_by(caller.project_id), caller.creds)
    b = body.backup
    if b.metadata is not None and version < "3.43":
        raise InvalidInput("Invalid input for field/attribute backup. Additional properties "
                           "are not allowed ('metadata' was unexpected)")
    request = BackupRequest(
        volume_id=volume_key(b.volume_id), name=b.name, description=b.description,
        metadata=b.metadata or {}, container=b.container, incremental=b.incremental,
        force=b.force, snapshot_id=b.snapshot_id)
    with cinder_quota(cloud.store):
        backup = cloud.volume_backups.create(caller.ctx, request)
    caught_up(cloud)
    row = visible_backup(cloud, caller, backup.id.hex)
    return {"backup": backup_summary(row, base_url(cloud))}


def listed(request: Request, cloud: CloudServices, caller: Caller,
           engine: PolicyEngine) -> list[Row]:
    params = request.query_params
    engine.enforce("backup:get_all", owned_by(caller.project_id), caller.creds)
    everyone = caller.is_admin and params.get("all_tenants", "0").lower() in (
        "1", "true", "yes", "on")
    project = params.get("project_id") if everyone else caller.project_id
    order = sort_order(params, SORT_KEYS)
    volume_id = params.get("volume_id")
    rows = VolumeBackupViews(cloud.store).list(
        project, name=params.get("name") or params.get("display_name"),
        status=params.get("status"),
        volume_id=backup_key(volume_id) if volume_id else None)
    rows = ordered(rows, order, SORT_KEYS)
    return page_of(rows, params, backup_key)


@router.get("/backups", response_model=BackupSummaryList)
def index(project_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    return {"backups": [backup_summary(r, base_url(cloud))
                        for r in listed(request, cloud, caller, engine)]}


@router.get("/backups/detail", response_model=VolumeBackupList)
def index_detail(project_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                 engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    return {"backups": [backup_body(r, base_url(cloud), caller, version)
                        for r in listed(request, cloud, caller, engine)]}


@router.get("/backups/{backup_id}", response_model=VolumeBackupShow)
def show(project_id: str, backup_id: str, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    row = visible_backup(cloud, caller, backup_id)
    engine.enforce("backup:get", owned_by(row["project_id"]), caller.creds)
    return {"backup": backup_body(row, base_url(cloud), caller, version)}


@router.put("/backups/{backup_id}", response_model=BackupSummaryShow)
def update(project_id: str, backup_id: str, body: BackupUpdateRequest, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    if version < "3.9":
        raise ApiError(404, "The resource could not be found.")
    row = visible_backup(cloud, caller, backup_id)
    engine.enforce("backup:update", owned_by(row["project_id"]), caller.creds)
    b = body.backup or BackupUpdate()
    if "metadata" in b.model_fields_set and version < "3.43":
        raise InvalidInput("Invalid input for field/attribute backup. Additional properties "
                           "are not allowed ('metadata' was unexpected)")
    changes = {k: getattr(b, k) if k != "metadata" else (b.metadata or {})
               for k in b.model_fields_set}
    cloud.volume_backups.update(caller.ctx, row["id"], changes)
    caught_up(cloud)
    return {"backup": backup_summary(visible_backup(cloud, caller, backup_id),
                                     base_url(cloud))}


@router.delete("/backups/{backup_id}", status_code=202)
def delete(project_id: str, backup_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> Response:
    check_path_project(project_id, caller)
    row = visible_backup(cloud, caller, backup_id)
    engine.enforce("backup:delete", owned_by(row["project_id"]), caller.creds)
    cloud.volume_backups.delete(caller.ctx, row["id"])
    return Response(status_code=202)


@router.post("/backups/{backup_id}/restore", status_code=202, response_model=RestoreShow)
def restore(project_id: str, backup_id: str, body: RestoreBody, cloud: CloudDep,
            caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    row = visible_backup(cloud, caller, backup_id)
    engine.enforce("backup:restore", owned_by(row["project_id"]), caller.creds)
    r = body.restore or RestoreRequest()
    with cinder_quota(cloud.store):
        volume = cloud.volume_backups.restore(
            caller.ctx, row["id"], volume_key(r.volume_id) if r.volume_id else None, r.name)
    return {"restore": {"backup_id": dashed(row["id"]), "volume_id": str(volume.id),
                        "volume_name": volume.name}}


@router.get("/backups/{backup_id}/export_record", response_model=BackupRecordShow)
def export(project_id: str, backup_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    row = visible_backup(cloud, caller, backup_id)
    engine.enforce("backup:export-import", owned_by(row["project_id"]), caller.creds)
    if row["status"] != "available":
        raise InvalidInput(f"Invalid backup: Backup status must be available and not "
                           f"{row['status']}.")
    return {"backup-record": export_record(row)}


@router.post("/backups/import_record", status_code=201, response_model=BackupSummaryShow)
def import_record(project_id: str, body: ImportRequest, cloud: CloudDep, caller: CallerDep,
                  engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    engine.enforce("backup:backup-import", owned_by(caller.project_id), caller.creds)
    if body.record.backup_service != BACKUP_SERVICE:
        raise ApiError(503, f"Service {body.record.backup_service} could not be found.")
    record = imported_record(body.record.backup_url)
    with cinder_quota(cloud.store):
        backup = cloud.volume_backups.import_record(caller.ctx, record)
    caught_up(cloud)
    return {"backup": backup_summary(visible_backup(cloud, caller, backup.id.hex),
                                     base_url(cloud))}


ACTIONS: dict[str, type[BaseModel]] = {"os-reset_status": ResetStatus,
                                       "os-force_delete": ForceDelete}


@router.post("/backups/{backup_id}/action", status_code=202)
def action(project_id: str, backup_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, body: Annotated[Any, Body()] = None) -> Response:
    check_path_project(project_id, caller)
    if not isinstance(body, dict) or len(body) != 1:
        raise InvalidInput("Malformed request body: exactly one action is expected.")
    (name, args), = body.items()
    if name not in ACTIONS:
        raise InvalidInput(f"There is no such action: {name}")
    try:
        parsed = ACTIONS[name].model_validate(args if args is not None else {})
    except ValidationError as invalid:
        raise InvalidInput(describe_validation(invalid)) from None
    row = visible_backup(cloud, caller, backup_id)
    target = owned_by(row["project_id"])
    if isinstance(parsed, ResetStatus):
        engine.enforce("volume_extension:backup_admin_actions:reset_status", target,
                       caller.creds)
        cloud.volume_backups.reset_status(caller.ctx, row["id"], parsed.status)
    else:
        engine.enforce("volume_extension:backup_admin_actions:force_delete", target,
                       caller.creds)
        cloud.volume_backups.delete(caller.ctx, row["id"], force=True)
    return Response(status_code=202)
