"""Compute `/os-quota-sets` and `/limits`: a project's limits (and usage) in Nova's shapes.

Reads come from the quota read model; PUT and DELETE go through the project's quota ledger.
With `user_id`, they are about that user's own limits within the project (Nova's per-user
quotas): shown as the project's where the user has none, set between the user's use and the
project's limit, enforced on the user's own share (domain/quota/ledger.py).
Which resources appear depends on the microversion, as in Nova: the nova-network ones go at 2.36,
the personality-file ones at 2.57.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict

from api.auth import Caller
from api.deps import Authorize, CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion, Version
from api.policy import PolicyEngine
from api.responses.compute import (
    ABSOLUTE_LIMITS,
    QUOTA_DETAILS,
    QUOTA_SETS,
    LimitsShow,
    QuotaDetailShow,
    QuotaSetShow,
    newest,
    quota_resources,
)
from api.strict_query import known_query
from api.validation import QuotaLimit
from domain.errors import InvalidInput
from projections.quotas import QuotaViews

router = APIRouter(prefix="/compute/v2.1", tags=["compute: quotas"])
BY_USER = known_query("user_id")

RULES = [
    policy.RuleDefault("os_compute_api:os-quota-sets:show", "rule:admin_or_reader"),
    policy.RuleDefault("os_compute_api:os-quota-sets:detail", "rule:admin_or_reader"),
    policy.RuleDefault("os_compute_api:os-quota-sets:defaults", "@"),
    policy.RuleDefault("os_compute_api:os-quota-sets:update", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-quota-sets:delete", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:limits", "@"),
    policy.RuleDefault("os_compute_api:limits:other_project", "rule:admin_api"),
]

def quota_set(values: dict[str, Any], version: Version, project_id: str | None,
              detailed: bool = False) -> dict[str, Any]:
    body = {r: values[r] for r in quota_resources(version)}
    if project_id is not None:
        body["id"] = project_id
    model = newest(version, QUOTA_DETAILS if detailed else QUOTA_SETS)
    return {"quota_set": model.model_validate(body)}


def target_project(project_id: str, rule: str, cloud: CloudDep, caller: Caller,
                   policy_engine: PolicyEngine) -> QuotaViews:
    policy_engine.enforce(rule, {"project_id": project_id}, caller.creds)
    views = QuotaViews(cloud.store)
    if not views.project_exists(project_id):
        raise InvalidInput(f"Project ID {project_id} is not a valid project.")
    return views


@router.get("/os-quota-sets/{project_id}", response_model=QuotaSetShow, dependencies=[BY_USER])
def show(project_id: str, cloud: CloudDep, caller: CallerDep, policy_engine: PolicyDep,
         version: ComputeVersion, user_id: str | None = None) -> dict[str, Any]:
    """With `user_id`: the user's limits (their own, else the project's)."""
    views = target_project(project_id, "os_compute_api:os-quota-sets:show", cloud, caller,
                           policy_engine)
    limits = views.limits(project_id) if user_id is None else \
        views.user_limits_and_usage(project_id, user_id)[0]
    return quota_set(limits, version, project_id)


@router.get("/os-quota-sets/{project_id}/detail", response_model=QuotaDetailShow,
            dependencies=[BY_USER])
def detail(project_id: str, cloud: CloudDep, caller: CallerDep, policy_engine: PolicyDep,
           version: ComputeVersion, user_id: str | None = None) -> dict[str, Any]:
    views = target_project(project_id, "os_compute_api:os-quota-sets:detail", cloud, caller,
                           policy_engine)
    return quota_set(views.detail(project_id, user_id), version, project_id, detailed=True)


@router.get("/os-quota-sets/{project_id}/defaults", response_model=QuotaSetShow)
def defaults(project_id: str, cloud: CloudDep, caller: CallerDep, policy_engine: PolicyDep,
             version: ComputeVersion) -> dict[str, Any]:
    target_project(project_id, "os_compute_api:os-quota-sets:defaults", cloud, caller,
                   policy_engine)
    return quota_set(QuotaViews(cloud.store).defaults(), version, project_id)


class QuotaSetUpdate(BaseModel):
    model_config = ConfigDict(extra="allow")
    force: bool = False


class QuotaSetUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quota_set: QuotaSetUpdate


class QuotaValues(BaseModel):
    """One quota value as Nova's schema takes it: an integer, or a string of one, -1 or more."""
    value: QuotaLimit


def requested_limits(update: QuotaSetUpdate, version: Version) -> dict[str, int]:
    extra = dict(update.model_extra or {})
    if "networks" in extra and version < "2.36":
        raise InvalidInput("The networks quota has been removed")
    allowed = quota_resources(version)
    unexpected = sorted(k for k in extra if k not in allowed)
    if unexpected:
        # jsonschema's words, which Nova passes on.
        verb = "was" if len(unexpected) == 1 else "were"
        raise InvalidInput("Additional properties are not allowed "
                           f"({', '.join(repr(k) for k in unexpected)} {verb} unexpected)")
    return {key: parse_limit(key, value) for key, value in extra.items()}


QUOTA_STRING = re.compile(r"^-?[0-9]+$")


def parse_limit(key: str, value: Any) -> int:
    if isinstance(value, str) and not QUOTA_STRING.match(value):
        raise InvalidInput(f"Invalid input for field/attribute {key}. Value: {value}. "
                           f"'{value}' does not match '^-?[0-9]+$'")
    try:
        return QuotaValues(value=value).value
    except ValueError:
        raise InvalidInput(f"Invalid input for field/attribute {key}. Value: {value}. "
                           f"{value!r} is not a valid quota limit (-1 or more)") from None


@router.put("/os-quota-sets/{project_id}", response_model=QuotaSetShow, dependencies=[BY_USER])
def update(project_id: str, body: QuotaSetUpdateRequest, cloud: CloudDep, caller: CallerDep,
           policy_engine: PolicyDep, version: ComputeVersion,
           user_id: str | None = None) -> dict[str, Any]:
    target_project(project_id, "os_compute_api:os-quota-sets:update", cloud, caller,
                   policy_engine)
    limits = requested_limits(body.quota_set, version)
    defaults = cloud.quotas.defaults()
    if user_id is not None:
        ledger = cloud.quotas.set_user_limits(caller.ctx, project_id, user_id, limits,
                                              force=body.quota_set.force)
        return quota_set(ledger.user_limits(user_id, defaults), version, None)
    ledger = cloud.quotas.set_limits(caller.ctx, project_id, limits, force=body.quota_set.force)
    # Nova answers an update without the id.
    return quota_set(ledger.limits(defaults), version, None)


@router.delete("/os-quota-sets/{project_id}", status_code=202, dependencies=[BY_USER])
def revert(project_id: str, cloud: CloudDep, caller: CallerDep, policy_engine: PolicyDep,
           version: ComputeVersion, user_id: str | None = None) -> Response:
    policy_engine.enforce("os_compute_api:os-quota-sets:delete", {"project_id": project_id},
                          caller.creds)
    if user_id is not None:
        cloud.quotas.reset_user(caller.ctx, project_id, user_id)
    else:
        cloud.quotas.reset(caller.ctx, project_id)
    return Response(status_code=202)


# Nova's /limits names for each quota resource; the used ones come from the ledger's counts.
ABSOLUTE = {"ram": ("maxTotalRAMSize",), "instances": ("maxTotalInstances",),
            "cores": ("maxTotalCores",), "key_pairs": ("maxTotalKeypairs",),
            "floating_ips": ("maxTotalFloatingIps",),
            "metadata_items": ("maxServerMeta", "maxImageMeta"),
            "injected_files": ("maxPersonality",),
            "injected_file_content_bytes": ("maxPersonalitySize",),
            "security_groups": ("maxSecurityGroups",),
            "security_group_rules": ("maxSecurityGroupRules",),
            "server_groups": ("maxServerGroups",),
            "server_group_members": ("maxServerGroupMembers",)}
USED = {"totalRAMUsed": "ram", "totalCoresUsed": "cores", "totalInstancesUsed": "instances",
        "totalFloatingIpsUsed": "floating_ips", "totalSecurityGroupsUsed": "security_groups",
        "totalServerGroupsUsed": "server_groups"}


def hidden_limits(version: Version) -> set[str]:
    hidden = {"floating_ips", "security_groups", "security_group_rules"} if version >= "2.36" \
        else set()
    if version >= "2.57":
        hidden |= {"injected_files", "injected_file_content_bytes"}
    if version >= "2.39":
        hidden.add("maxImageMeta")  # the image-metadata proxy went away at 2.39
    return hidden


def absolute_limits(limits: dict[str, int], usage: dict[str, int],
                    version: Version) -> dict[str, int]:
    hidden = hidden_limits(version)
    body = {name: limits[resource] for resource, names in ABSOLUTE.items()
            if resource not in hidden for name in names if name not in hidden}
    body.update({name: usage[resource] for name, resource in USED.items()
                 if resource not in hidden})
    return body


Reader = Annotated[Caller, Depends(Authorize("os_compute_api:limits"))]


@router.get("/limits", response_model=LimitsShow, dependencies=[known_query("tenant_id")])
def limits(cloud: CloudDep, caller: Reader, policy_engine: PolicyDep, version: ComputeVersion,
           tenant_id: str | None = None) -> dict[str, Any]:
    project_id = caller.project_id
    if tenant_id is not None:
        policy_engine.enforce("os_compute_api:limits:other_project", {"project_id": tenant_id},
                              caller.creds)
        project_id = tenant_id
    absolute = absolute_limits(*QuotaViews(cloud.store).limits_and_usage(project_id), version)
    shown = newest(version, ABSOLUTE_LIMITS).model_validate(absolute)
    return {"limits": {"rate": [], "absolute": shown}}
