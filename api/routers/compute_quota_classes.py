"""Compute `/os-quota-class-sets`: named sets of limits (admins only, by Nova's policy). The
`default` class is every project's default for Nova's resources (domain/quota/quota_class.py).

Microversions, as in Nova: the network quotas go and server_groups/server_group_members show
at 2.50; the personality-file quotas go at 2.57. Any class name shows (the defaults for one
never set).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion, Version
from api.responses.compute import NETWORK_QUOTAS, NOVA_QUOTAS, PERSONALITY_QUOTAS
from api.routers.compute_quotas import parse_limit
from domain.errors import InvalidInput
from projections.quotas import QuotaViews

router = APIRouter(prefix="/compute/v2.1", tags=["compute: quota classes"])

RULES = [
    policy.RuleDefault("os_compute_api:os-quota-class-sets:show", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-quota-class-sets:update", "rule:admin_api"),
]
SERVER_GROUP_QUOTAS = ("server_groups", "server_group_members")


def settable(version: Version) -> tuple[str, ...]:
    hidden = (NETWORK_QUOTAS if version >= "2.50" else ()) + (
        PERSONALITY_QUOTAS if version >= "2.57" else ())
    return tuple(r for r in NOVA_QUOTAS if r not in hidden)


def shown(version: Version) -> tuple[str, ...]:
    """Nova's v2.1 left the server-group quotas out of a class until 2.50."""
    return tuple(r for r in settable(version)
                 if version >= "2.50" or r not in SERVER_GROUP_QUOTAS)


def class_body(limits: dict[str, int], version: Version, name: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": name} if name is not None else {}
    body.update({r: limits[r] for r in shown(version)})
    return {"quota_class_set": body}


@router.get("/os-quota-class-sets/{class_name}")
def show(class_name: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
         version: ComputeVersion) -> dict[str, Any]:
    engine.enforce("os_compute_api:os-quota-class-sets:show", {}, caller.creds)
    return class_body(QuotaViews(cloud.store).class_limits(class_name), version, class_name)


class QuotaClassUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quota_class_set: dict[str, Any] = Field(default_factory=dict)


@router.put("/os-quota-class-sets/{class_name}")
def update(class_name: str, body: QuotaClassUpdate, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    engine.enforce("os_compute_api:os-quota-class-sets:update", {}, caller.creds)
    if not 1 <= len(class_name) <= 255:
        raise InvalidInput("quota_class_name has a length of 1 to 255 characters.")
    allowed = settable(version)
    unexpected = sorted(k for k in body.quota_class_set if k not in allowed)
    if unexpected:
        verb = "was" if len(unexpected) == 1 else "were"
        raise InvalidInput("Additional properties are not allowed "
                           f"({', '.join(repr(k) for k in unexpected)} {verb} unexpected)")
    limits = {key: parse_limit(key, value) for key, value in body.quota_class_set.items()}
    quota_class = cloud.quotas.set_class_limits(caller.ctx, class_name, limits)
    # Nova answers an update without the id.
    return class_body(quota_class.limits(), version, None)
