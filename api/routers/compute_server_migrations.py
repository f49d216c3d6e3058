"""Compute `/servers/{id}/migrations`: a server's live migrations in progress (2.23: list and
show), forcing one to complete (2.22: `POST .../migrations/{id}/action` with
`force_complete`) and aborting one (2.24: DELETE; from 2.65 also while it is still
preparing). Below those microversions the routes are not there (404), as in Nova.

The list and show read the migrations read model (projections/migrations.py); the id is its
row's. Abort and force-complete are recorded on the instance, which decides whether its
migration may be steered (domain/compute/instance_live_control.py); the source host's worker
then aborts or forces the libvirt job, and the move's outcome is the migration's. Nova's byte
counters (memory and disk processed, remaining, total) are not tracked here: null, which its
schema allows.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy

from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion, Version
from api.routers.compute_migrations import HOST_KEYS, IN_PROGRESS, migration_body
from api.routers.compute_servers import enforce_on, find_server
from api.strict_query import check_known
from domain.compute.instance_live_control import ABORT, FORCE_COMPLETE
from domain.errors import InvalidInput, NotFound
from projections.migrations import MigrationViews

router = APIRouter(prefix="/compute/v2.1", tags=["compute: migrations"])

_RULE = "os_compute_api:servers:migrations:%s"
RULES = [policy.RuleDefault(_RULE % "show", "rule:admin_api"),
         policy.RuleDefault(_RULE % "force_complete", "rule:project_manager_or_admin"),
         policy.RuleDefault(_RULE % "delete", "rule:project_manager_or_admin"),
         policy.RuleDefault(_RULE % "index", "rule:project_manager_or_admin"),
         policy.RuleDefault(_RULE % "index:host", "rule:admin_api")]
BYTES = tuple(f"{kind}_{what}_bytes" for kind in ("memory", "disk")
              for what in ("processed", "remaining", "total"))


def server_migration(row: dict[str, Any], version: Version, with_hosts: bool) -> dict[str, Any]:
    """Nova's server_migrations.output: os-migrations' fields, renamed and trimmed."""
    listed = migration_body(row, version, with_hosts)
    body = {key: listed[key] for key in ("id", "status", "created_at", "updated_at",
                                         *HOST_KEYS)}
    body["server_uuid"] = listed["instance_uuid"]
    body["updated_at"] = body["updated_at"] or body["created_at"]  # a date-time, never null
    body.update(dict.fromkeys(BYTES))
    for key in ("uuid", "user_id", "project_id"):
        if key in listed:
            body[key] = listed[key]
    return body


def _server(request: Request, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
            version: Version, server_id: str, rule: str, since: str) -> dict[str, Any]:
    if version < since:
        raise NotFound("The resource could not be found.")
    if version >= "2.102":
        check_known(request.query_params.keys(), frozenset())
    server = find_server(cloud, caller, server_id)
    enforce_on(engine, _RULE % rule, caller, server)
    return server


def _in_progress(cloud: CloudDep, server: dict[str, Any]) -> list[dict[str, Any]]:
    rows = MigrationViews(cloud.store).list({"instance_uuid": server["id"],
                                             "migration_type": "live-migration"})
    return [row for row in rows if row["status"] in IN_PROGRESS]


@router.get("/servers/{server_id}/migrations")
def index(server_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    server = _server(request, cloud, caller, engine, version, server_id, "index", "2.23")
    with_hosts = engine.allowed(_RULE % "index:host", {"project_id": server["project_id"]},
                                caller.creds)
    return {"migrations": [server_migration(row, version, with_hosts)
                           for row in _in_progress(cloud, server)]}


@router.get("/servers/{server_id}/migrations/{migration_id}")
def show(server_id: str, migration_id: str, request: Request, cloud: CloudDep,
         caller: CallerDep, engine: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    server = _server(request, cloud, caller, engine, version, server_id, "show", "2.23")
    row = _row(cloud, server, migration_id)
    if row is None or row["migration_type"] != "live-migration" or \
            row["status"] not in IN_PROGRESS:
        raise NotFound(f"In-progress live migration {migration_id} is not found for server "
                       f"{server_id}.")
    return {"migration": server_migration(row, version, True)}


def _row(cloud: CloudDep, server: dict[str, Any], migration_id: str) -> dict[str, Any] | None:
    """The server's migration of that id; an id that is no integer names none (Nova's
    database lookup finds nothing for it either)."""
    try:
        number = int(migration_id)
    except ValueError:
        return None
    return MigrationViews(cloud.store).get(server["id"], number)


@router.post("/servers/{server_id}/migrations/{migration_id}/action", status_code=202)
def action(server_id: str, migration_id: str, body: dict[str, Any], request: Request,
           cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
           version: ComputeVersion) -> Response:
    if version < "2.22":
        raise NotFound("The resource could not be found.")
    if set(body) != {"force_complete"} or body["force_complete"] is not None:
        raise InvalidInput("Invalid input for field/attribute force_complete: the body must be "
                           "{\"force_complete\": null}.")
    _control(request, cloud, caller, engine, version, server_id, migration_id, FORCE_COMPLETE)
    return Response(status_code=202)


@router.delete("/servers/{server_id}/migrations/{migration_id}", status_code=202)
def delete(server_id: str, migration_id: str, request: Request, cloud: CloudDep,
           caller: CallerDep, engine: PolicyDep, version: ComputeVersion) -> Response:
    _control(request, cloud, caller, engine, version, server_id, migration_id, ABORT)
    return Response(status_code=202)


def _control(request: Request, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
             version: Version, server_id: str, migration_id: str, control: str) -> None:
    rule, since = ("delete", "2.24") if control == ABORT else ("force_complete", "2.22")
    server = _server(request, cloud, caller, engine, version, server_id, rule, since)
    row = _row(cloud, server, migration_id)
    listed = row["status"] if row is not None and \
        row["migration_type"] == "live-migration" else None
    cloud.actions.control_live_migration(caller.ctx, server_id, control, migration_id, listed,
                                         queued_too=version >= "2.65")
