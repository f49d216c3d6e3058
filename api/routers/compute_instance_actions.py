"""Compute `/servers/{id}/os-instance-actions`: what was asked of a server, by whom, and how
each step went, from the instance-action read model.

Microversions: deleted servers' actions from 2.21; events for non-admins from 2.51 (without
tracebacks); paging (limit, marker, changes-since) and `updated_at` from 2.58; each event's
hashed `hostId` for everyone and its `host` for those who see tracebacks from 2.62; an event's
`details` (why it failed, else null) from 2.84 for those Nova's events:details rule lets see;
changes-before from 2.66.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from oslo_policy import policy

from api.bodies.servers import dashed, host_id
from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion, Version
from api.routers.compute_servers import enforce_on, find_server
from api.server_list import changes_before, changes_since, page_size
from domain.errors import NotFound
from projections.instance_actions import InstanceActionViews

router = APIRouter(prefix="/compute/v2.1", tags=["compute: instance actions"])

RULES = [
    policy.RuleDefault("os_compute_api:os-instance-actions:list", "rule:admin_or_reader"),
    policy.RuleDefault("os_compute_api:os-instance-actions:show", "rule:admin_or_reader"),
    policy.RuleDefault("os_compute_api:os-instance-actions:events", "rule:admin_api",
                       "See every detail of an action's events, tracebacks included"),
    policy.RuleDefault("os_compute_api:os-instance-actions:events:details", "rule:admin_api",
                       "See why an action's event failed (`details`, from 2.84)"),
]

ACTION_KEYS = ("action", "request_id", "user_id", "project_id", "start_time", "message")
EVENT_KEYS = ("event", "start_time", "finish_time", "result")


def action_body(row: dict[str, Any], version: Version) -> dict[str, Any]:
    body = {key: row[key] for key in ACTION_KEYS}
    body["instance_uuid"] = dashed(row["instance_id"])
    if version >= "2.58":
        body["updated_at"] = row["updated_at"]
    return body


def event_body(row: dict[str, Any], traceback: bool, version: Version,
               project_id: str, details: bool = False) -> dict[str, Any]:
    body = {key: row[key] for key in EVENT_KEYS}
    if details:
        body["details"] = row["details"]
    if traceback:
        body["traceback"] = None  # outcomes carry a reason, not a Python traceback
    if version >= "2.62":
        if traceback:  # Nova shows the host to whoever may see the full events
            body["host"] = row["host"] or ""
        body["hostId"] = host_id(project_id, row["host"])
    return body


@router.get("/servers/{server_id}/os-instance-actions")
def index(server_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    server = find_server(cloud, caller, server_id, include_deleted=version >= "2.21")
    enforce_on(engine, "os_compute_api:os-instance-actions:list", caller, server)
    views = InstanceActionViews(cloud.store)
    if version < "2.58":
        rows = views.list(server["id"])
        return {"instanceActions": [action_body(r, version) for r in rows]}
    params = request.query_params
    limit = page_size(params.get("limit"))
    since = changes_since(params.get("changes-since"))
    rows = views.list(server["id"], limit, params.get("marker"), since,
                      changes_before(params, version, since))
    body: dict[str, Any] = {"instanceActions": [action_body(r, version) for r in rows]}
    if rows and len(rows) == limit:
        query = urlencode({**params, "marker": rows[-1]["request_id"]})
        path = f"compute/v2.1/servers/{server_id}/os-instance-actions"
        body["links"] = [{"rel": "next", "href": f"{cloud.settings.public_url}/{path}?{query}"}]
    return body


@router.get("/servers/{server_id}/os-instance-actions/{request_id}")
def show(server_id: str, request_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
         version: ComputeVersion) -> dict[str, Any]:
    server = find_server(cloud, caller, server_id, include_deleted=version >= "2.21")
    enforce_on(engine, "os_compute_api:os-instance-actions:show", caller, server)
    views = InstanceActionViews(cloud.store)
    row = views.get(server["id"], request_id)
    if row is None:
        raise NotFound(f"Action {request_id} not found")
    body = action_body(row, version)
    target = {"project_id": server["project_id"], "user_id": server["user_id"]}
    full = engine.allowed("os_compute_api:os-instance-actions:events", target, caller.creds)
    if full or version >= "2.51":
        # Nova hashes the host with the action's project (the server's when it has none).
        project_id = row["project_id"] or server["project_id"]
        details = version >= "2.84" and engine.allowed(
            "os_compute_api:os-instance-actions:events:details", target, caller.creds)
        body["events"] = [event_body(e, full, version, project_id, details)
                          for e in views.events(server["id"], request_id)]
    return {"instanceAction": body}
