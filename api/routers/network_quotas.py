"""Networking `/network/v2.0/quotas`: a project's network limits, read from the quota ledger's
read model (`floatingip` is `floating_ips`, `port` is `fixed_ips`), and `network`/`subnet` from
the configured networks-per-project cap. Limits are set through Compute's os-quota-sets."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from oslo_policy import policy

from api.deps import CallerDep, CloudDep, PolicyDep
from api.network_views import PREFIX, owned_by, views
from projections.quotas import QuotaViews

router = APIRouter(prefix=PREFIX, tags=["network: quotas"])

RULES = [
    policy.RuleDefault("get_quota", "rule:admin_or_reader"),
]

UNSUPPORTED = {"router": 0, "security_group": -1, "security_group_rule": -1, "rbac_policy": -1}


@router.get("/quotas/{project_id}")
def show(project_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
         ) -> dict[str, Any]:
    engine.enforce("get_quota", owned_by(project_id), caller.creds)
    limits = QuotaViews(cloud.store).limits(project_id)
    per_project = cloud.networks.config.max_networks_per_project
    return {"quota": {"floatingip": limits["floating_ips"], "port": limits["fixed_ips"],
                      "network": per_project, "subnet": per_project, **UNSUPPORTED}}


@router.get("/quotas/{project_id}/details")
def details(project_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
            ) -> dict[str, Any]:
    engine.enforce("get_quota", owned_by(project_id), caller.creds)
    limits, usage = QuotaViews(cloud.store).limits_and_usage(project_id)
    per_project = cloud.networks.config.max_networks_per_project
    networks = views(cloud).count("networks", project_id)
    quota = {"floatingip": (limits["floating_ips"], usage["floating_ips"]),
             "port": (limits["fixed_ips"], usage["fixed_ips"]),
             "network": (per_project, networks), "subnet": (per_project, networks)}
    body = {k: {"limit": limit, "used": used, "reserved": 0}
            for k, (limit, used) in quota.items()}
    body.update({k: {"limit": v, "used": 0, "reserved": 0} for k, v in UNSUPPORTED.items()})
    return {"quota": body}
