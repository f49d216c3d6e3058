"""Block Storage `os-quota-sets`, `os-quota-class-sets` and `limits`: Cinder's limits (and
usage) of a project, read from the quota read model and set (or reset to the defaults) through
the project's quota ledger. `per_volume_gigabytes` caps one volume's size. Beside Cinder's own
resources, `volumes_<type>`, `gigabytes_<type>` and `snapshots_<type>` of every volume type
(api/volume_type_quotas.py).

The `default` quota class holds every project's defaults (the code's until an admin sets them).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict

from api.bodies.volumes import PREFIX, check_path_project
from api.deps import CallerDep, CloudDep, PolicyDep
from api.responses.volumes import LimitsShow, QuotaClassShow, QuotaSetShow, QuotaUsageShow
from api.routers.compute_quotas import parse_limit
from api.volume_type_quotas import (
    check_usage,
    class_values,
    default_values,
    ledger_limits,
    ledger_values,
    project_values,
    type_keys,
)
from domain.errors import InvalidInput
from projections.quotas import QuotaViews

router = APIRouter(prefix=PREFIX, tags=["volume: quotas"])

RULES = [
    policy.RuleDefault("volume_extension:quotas:show", "rule:admin_or_reader"),
    policy.RuleDefault("volume_extension:quotas:update", "rule:admin_api"),
    policy.RuleDefault("volume_extension:quotas:delete", "rule:admin_api"),
    policy.RuleDefault("volume_extension:quota_classes", "rule:admin_api"),
    policy.RuleDefault("volume_extension:quota_classes:update", "rule:admin_api"),
    policy.RuleDefault("limits_extension:used_limits", "rule:admin_or_reader"),
]

def target(target_id: str, rule: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> QuotaViews:
    engine.enforce(rule, {"project_id": target_id}, caller.creds)
    views = QuotaViews(cloud.store)
    if not views.project_exists(target_id):
        raise InvalidInput(f"Invalid input received: Project ID {target_id} is not a valid "
                           "project.")
    return views


@router.get("/os-quota-sets/{target_id}", response_model=QuotaUsageShow)
def show(project_id: str, target_id: str, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep, usage: str = "false") -> dict[str, Any]:
    check_path_project(project_id, caller)
    views = target(target_id, "volume_extension:quotas:show", cloud, caller, engine)
    detailed = usage.lower() in ("1", "true", "yes", "on")
    values = project_values(views, type_keys(cloud.store), target_id, detailed)
    return {"quota_set": {"id": target_id, **values}}


@router.get("/os-quota-sets/{target_id}/defaults", response_model=QuotaSetShow)
def defaults(project_id: str, target_id: str, cloud: CloudDep, caller: CallerDep,
             engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    views = target(target_id, "volume_extension:quotas:show", cloud, caller, engine)
    return {"quota_set": {"id": target_id, **default_values(views, type_keys(cloud.store))}}


class QuotaSetUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quota_set: dict[str, Any]


@router.put("/os-quota-sets/{target_id}", response_model=QuotaSetShow)
def update(project_id: str, target_id: str, body: QuotaSetUpdate, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    target(target_id, "volume_extension:quotas:update", cloud, caller, engine)
    keys = type_keys(cloud.store)
    values = {k: v for k, v in body.quota_set.items() if k not in ("tenant_id", "id")}
    limits = {r: parse_limit(r, v) for r, v in ledger_limits(values, keys, "quota set").items()}
    check_usage(cloud.quotas.ledger(target_id), limits, keys)
    ledger = cloud.quotas.set_limits(caller.ctx, target_id, limits)
    return {"quota_set": ledger_values(ledger, cloud.quotas.defaults(), keys)}


@router.delete("/os-quota-sets/{target_id}")
def delete(project_id: str, target_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> Response:
    """Back to the defaults (usage is kept)."""
    check_path_project(project_id, caller)
    target(target_id, "volume_extension:quotas:delete", cloud, caller, engine)
    cloud.quotas.reset(caller.ctx, target_id)
    return Response(status_code=200)


@router.get("/os-quota-class-sets/{class_name}", response_model=QuotaClassShow)
def quota_class(project_id: str, class_name: str, cloud: CloudDep, caller: CallerDep,
                engine: PolicyDep) -> dict[str, Any]:
    """Cinder shows any class name: one it does not hold has the code's defaults."""
    check_path_project(project_id, caller)
    engine.enforce("volume_extension:quota_classes", {"project_id": caller.project_id},
                   caller.creds)
    own = QuotaViews(cloud.store).class_values(class_name)
    return {"quota_class_set": {"id": class_name,
                                **class_values(own, type_keys(cloud.store))}}


class QuotaClassUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quota_class_set: dict[str, Any]


@router.put("/os-quota-class-sets/{class_name}", response_model=QuotaClassShow)
def update_quota_class(project_id: str, class_name: str, body: QuotaClassUpdate,
                       cloud: CloudDep, caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    """The `default` class's limits are every project's defaults (Cinder's
    use_default_quota_class); Cinder answers without the id."""
    check_path_project(project_id, caller)
    engine.enforce("volume_extension:quota_classes:update",
                   {"project_id": caller.project_id}, caller.creds)
    if not 1 <= len(class_name) <= 255:
        raise InvalidInput("Invalid input received: quota_class_name has a length of 1 to 255 "
                           "characters.")
    keys = type_keys(cloud.store)
    limits = {r: parse_limit(r, v) for r, v in
              ledger_limits(body.quota_class_set, keys, "quota class set").items()}
    quota_class_set = cloud.quotas.set_class_limits(caller.ctx, class_name, limits)
    return {"quota_class_set": class_values(quota_class_set.values, keys)}


@router.get("/limits", response_model=LimitsShow)
def limits(project_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    engine.enforce("limits_extension:used_limits", {"project_id": caller.project_id},
                   caller.creds)
    limit, used = QuotaViews(cloud.store).limits_and_usage(caller.project_id)
    return {"limits": {"rate": [], "absolute": {
        "maxTotalVolumes": limit["volumes"], "maxTotalVolumeGigabytes": limit["gigabytes"],
        "totalVolumesUsed": used["volumes"], "totalGigabytesUsed": used["gigabytes"],
        "maxTotalSnapshots": limit["snapshots"], "maxTotalBackups": limit["backups"],
        "maxTotalBackupGigabytes": limit["backup_gigabytes"],
        "totalSnapshotsUsed": used["snapshots"], "totalBackupsUsed": used["backups"],
        "totalBackupGigabytesUsed": used["backup_gigabytes"]}}}
