"""Networking `/network/v2.0/quotas`: a project's network limits.

`floatingip`, `port`, `security_group` and `security_group_rule` are the quota ledger's
`floating_ips`, `fixed_ips` (every port, an instance's or a free one, counts one),
`security_groups` and `security_group_rules` (a project's default group and its rules count
too); reads come from the ledger's read model and updates go through the same QuotaService as
Compute's os-quota-sets. `network` and `subnet` are the configured per-project caps (counted on
the project's network registry), the same for every project, and the rest are resources
skyledger does not have: an update may restate those values but not change them (400), rather
than be accepted and ignored.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Response
from oslo_policy import policy

from api.auth import Caller
from api.bodies.networks import PREFIX, owned_by, views
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.policy import PolicyEngine
from api.validation import MAX_INT
from domain.errors import InvalidInput
from domain.quota.limits import DEFAULT_LIMITS
from projections.quotas import QuotaViews

router = APIRouter(prefix=PREFIX, tags=["network: quotas"])

RULES = [
    policy.RuleDefault("get_quota", "rule:admin_or_reader"),
    policy.RuleDefault("update_quota", "rule:admin_api"),
    policy.RuleDefault("delete_quota", "rule:admin_api"),
]

# Neutron's name of each limit the quota ledger keeps.
LEDGER = {"floatingip": "floating_ips", "port": "fixed_ips",
          "security_group": "security_groups", "security_group_rule": "security_group_rules",
          "router": "routers"}
UNSUPPORTED = {"rbac_policy": -1}
# Neutron's switches for lowering a limit below usage (OSC sends one of them).
SWITCHES = ("force", "check_limit")


def fixed_limits(cloud: CloudServices) -> dict[str, int]:
    config = cloud.networks.config
    return {"network": config.max_networks_per_project,
            "subnet": config.max_subnets_per_project, **UNSUPPORTED}


def quota_body(cloud: CloudServices, limits: dict[str, int]) -> dict[str, Any]:
    return {"quota": {**{name: limits[r] for name, r in LEDGER.items()},
                      **fixed_limits(cloud)}}


def known_project(cloud: CloudServices, caller: Caller, engine: PolicyEngine, rule: str,
                  project_id: str) -> None:
    engine.enforce(rule, owned_by(project_id), caller.creds)
    if not QuotaViews(cloud.store).project_exists(project_id):
        raise InvalidInput(f"Project ID {project_id} is not a valid project.")


def limit_value(name: str, value: Any) -> int:
    """Neutron takes an integer or a string of one; -1 means unlimited."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not -1 <= value <= MAX_INT:
        raise InvalidInput(f"Invalid input for {name}. Reason: '{value}' must be an integer "
                           f"between -1 and {MAX_INT}.")
    return value


def switch(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"Invalid input for {name}. Reason: '{value}' is not a boolean.")
    return value


def requested_limits(cloud: CloudServices, body: Any) -> tuple[dict[str, int], bool]:
    """The ledger limits asked for, and whether one may go below usage (all checked first)."""
    if not isinstance(body, dict) or set(body) != {"quota"} or not isinstance(body["quota"],
                                                                              dict):
        raise InvalidInput("The request body must be {\"quota\": {resource: limit, ...}}.")
    fixed = fixed_limits(cloud)
    limits: dict[str, int] = {}
    switches = {"force": False, "check_limit": False}
    for name, raw in body["quota"].items():
        if name in SWITCHES:
            switches[name] = switch(name, raw)
            continue
        if name not in LEDGER and name not in fixed:
            raise InvalidInput(f"Unrecognized attribute(s) '{name}'")
        value = limit_value(name, raw)
        if name in LEDGER:
            limits[LEDGER[name]] = value
        elif value != fixed[name]:
            raise InvalidInput(f"The {name} quota is {fixed[name]} for every project (set by "
                               "the operator, or not a resource of this cloud); it cannot be "
                               "changed per project.")
    # Neutron checks the limit against usage only when asked to (OSC asks unless --force).
    return limits, not switches["check_limit"] or switches["force"]


@router.get("/quotas/{project_id}")
def show(project_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
         ) -> dict[str, Any]:
    engine.enforce("get_quota", owned_by(project_id), caller.creds)
    return quota_body(cloud, QuotaViews(cloud.store).limits(project_id))


@router.get("/quotas/{project_id}/default")
def default(project_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
            ) -> dict[str, Any]:
    engine.enforce("get_quota", owned_by(project_id), caller.creds)
    return quota_body(cloud, DEFAULT_LIMITS)


@router.get("/quotas/{project_id}/details")
def details(project_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
            ) -> dict[str, Any]:
    engine.enforce("get_quota", owned_by(project_id), caller.creds)
    limits, usage = QuotaViews(cloud.store).limits_and_usage(project_id)
    networks = views(cloud).networks(project_id)
    used = {"network": len(networks), "subnet": len(views(cloud).subnets_of(networks))}
    quota = {name: (limits[r], usage[r]) for name, r in LEDGER.items()}
    quota.update({name: (limit, used.get(name, 0))
                  for name, limit in fixed_limits(cloud).items()})
    return {"quota": {k: {"limit": limit, "used": in_use, "reserved": 0}
                      for k, (limit, in_use) in quota.items()}}


@router.put("/quotas/{project_id}")
def update(project_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
           body: Any = Body(...)) -> dict[str, Any]:  # noqa: B008
    known_project(cloud, caller, engine, "update_quota", project_id)
    limits, force = requested_limits(cloud, body)
    if not limits:
        return quota_body(cloud, QuotaViews(cloud.store).limits(project_id))
    ledger = cloud.quotas.set_limits(caller.ctx, project_id, limits, force=force)
    return quota_body(cloud, ledger.limits())


@router.delete("/quotas/{project_id}", status_code=204)
def reset(project_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep) -> Response:
    """Back to the defaults, for the network limits only (Compute's stay as they are)."""
    known_project(cloud, caller, engine, "delete_quota", project_id)
    defaults = {r: DEFAULT_LIMITS[r] for r in LEDGER.values()}
    cloud.quotas.set_limits(caller.ctx, project_id, defaults, force=True)
    return Response(status_code=204)
