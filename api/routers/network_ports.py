"""Networking `/network/v2.0/ports`: the ports Compute gives instances (read-only here).

A port is made with its instance (a MAC and a fixed IP on the project network, counted as
`fixed_ips`) and released with it; this API lists and shows them as Neutron does.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from oslo_policy import policy

from api.deps import CallerDep, CloudDep, PolicyDep
from api.network_views import (
    PREFIX,
    owned_by,
    parse_ref,
    port_body,
    project_filter,
    target,
    views,
    visible,
)
from api.routers.network_networks import matches, selected
from domain.errors import NotFound

router = APIRouter(prefix=PREFIX, tags=["network: ports"])

RULES = [
    policy.RuleDefault("get_port", "rule:admin_or_reader"),
]

# Filters the read model answers in SQL (ids as hex), and ones checked on the shown body.
SQL_FILTERS = {"device_id": "device_id", "network_id": "network_id", "id": "id"}
BODY_FILTERS = ("mac_address", "device_owner", "status", "name", "admin_state_up")


@router.get("/ports")
def index(request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep) -> dict[str, Any]:
    engine.enforce("get_port", owned_by(caller.project_id or ""), caller.creds)
    params = request.query_params
    filters: dict[str, str] = {}
    for key, column in SQL_FILTERS.items():
        if key in params:
            try:
                filters[column] = parse_ref(params[key], key)
            except NotFound:
                return {"ports": []}
    rows = views(cloud).ports(project_filter(params, caller), **filters)
    bodies = [port_body(r) for r in rows]
    return {"ports": [selected(b, params) for b in bodies
                      if matches(b, params, BODY_FILTERS)]}


@router.get("/ports/{port_id}")
def show(port_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    row = visible(views(cloud).port(parse_ref(port_id, "Port")), caller, "Port", port_id)
    engine.enforce("get_port", target(row), caller.creds)
    return {"port": selected(port_body(row), request.query_params)}
