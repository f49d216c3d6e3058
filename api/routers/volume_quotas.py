"""Block Storage `os-quota-sets`, `os-quota-class-sets` and `limits`: Cinder's limits (and
usage) of a project, read from the quota read model and set (or reset to the defaults) through
the project's quota ledger. `per_volume_gigabytes` caps one volume's size; snapshots, backups
and groups are counted by the features that make them (none yet: their usage is 0).

The `default` quota class shows the defaults; they are the code's (DEFAULT_LIMITS) and are not
changed through the API.
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
from domain.errors import InvalidInput
from domain.quota.limits import DEFAULT_LIMITS
from projections.quotas import QuotaViews

router = APIRouter(prefix=PREFIX, tags=["volume: quotas"])

RULES = [
    policy.RuleDefault("volume_extension:quotas:show", "rule:admin_or_reader"),
    policy.RuleDefault("volume_extension:quotas:update", "rule:admin_api"),
    policy.RuleDefault("volume_extension:quotas:delete", "rule:admin_api"),
    policy.RuleDefault("volume_extension:quota_classes", "rule:admin_api"),
    policy.RuleDefault("limits_extension:used_limits", "rule:admin_or_reader"),
]

SETTABLE = ("volumes", "gigabytes", "snapshots", "backups", "backup_gigabytes", "groups",
            "per_volume_gigabytes")


def quota_values(views: QuotaViews, project_id: str, usage: bool) -> dict[str, Any]:
    limits, used = views.limits_and_usage(project_id)
    if not usage:
        return {r: limits[r] for r in SETTABLE}
    return {r: {"limit": limits[r], "in_use": used[r], "reserved": 0, "allocated": 0}
            for r in SETTABLE}


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
    return {"quota_set": {"id": target_id, **quota_values(views, target_id, detailed)}}


@router.get("/os-quota-sets/{target_id}/defaults", response_model=QuotaSetShow)
def defaults(project_id: str, target_id: str, cloud: CloudDep, caller: CallerDep,
             engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    target(target_id, "volume_extension:quotas:show", cloud, caller, engine)
    return {"quota_set": {"id": target_id, **{r: DEFAULT_LIMITS[r] for r in SETTABLE}}}


class QuotaSetUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quota_set: dict[str, Any]


@router.put("/os-quota-sets/{target_id}", response_model=QuotaSetShow)
def update(project_id: str, target_id: str, body: QuotaSetUpdate, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep) -> dict[str, Any]:
    check_path_project(project_id, caller)
    target(target_id, "volume_extension:quotas:update", cloud, caller, engine)
    values = {k: v for k, v in body.quota_set.items() if k not in ("tenant_id", "id")}
    bad = sorted(k for k in values if k not in SETTABLE)
    if bad:
        raise InvalidInput(f"Bad key(s) in quota set: {','.join(bad)}")
    limits = {key: parse_limit(key, value) for key, value in values.items()}
    ledger = cloud.quotas.set_limits(caller.ctx, target_id, limits)
    return {"quota_set": {r: ledger.limit(r) for r in SETTABLE}}


@router.delete("/os-quota-sets/{target_id}")
def delete(project_id: str, target_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> Response:
    """Back to the defaults (usage is kept)."""
    check_path_project(project_id, caller)
    target(target_id, "volume_extension:quotas:delete", cloud, caller, engine)
    cloud.quotas.reset(caller.ctx, target_id)
    return Response(status_code=200)


@router.get("/os-quota-class-sets/{class_name}", response_model=QuotaClassShow)
def quota_class(project_id: str, class_name: str, caller: CallerDep,
                engine: PolicyDep) -> dict[str, Any]:
    """Cinder shows any class name: one it does not hold has the defaults."""
    check_path_project(project_id, caller)
    engine.enforce("volume_extension:quota_classes", {"project_id": caller.project_id},
                   caller.creds)
    return {"quota_class_set": {"id": class_name, **{r: DEFAULT_LIMITS[r] for r in SETTABLE}}}


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
