"""Compute `os-migrations` (the migrations read model, projections/migrations.py) and the
`migrate` server action (a cold migration: the resize machinery, same flavor, another host).

Microversions of the list: `migration_type` at 2.23; `uuid`, paging (limit, marker) and
changes-since at 2.59 (and from it Nova's query schema is strict: an unknown parameter is 400);
changes-before at 2.66; `user_id` and `project_id` as filters and fields at 2.80. Flavors here
have no integer database ids, so `old_instance_type_id` and `new_instance_type_id` are null
(the schema allows it). Live
migration is not modelled, so no migration has the in-progress links Nova gives those.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.bodies.servers import dashed
from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion, Version
from api.routers.compute_floating_ip_actions import parsed
from api.routers.compute_servers import enforce_on
from api.server_action import Act
from api.server_list import changes_before, changes_since, page_size
from api.strict_query import check_known
from projections.migrations import MigrationViews

router = APIRouter(prefix="/compute/v2.1", tags=["compute: migrations"])

RULES = [
    policy.RuleDefault("os_compute_api:os-migrations:index", "rule:project_manager_or_admin"),
    policy.RuleDefault("os_compute_api:os-migrations:index:all_projects", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-migrations:index:host", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-migrate-server:migrate",
                       "rule:project_manager_or_admin"),
    policy.RuleDefault("os_compute_api:os-migrate-server:migrate:host", "rule:admin_api"),
]

HOST_KEYS = ("source_compute", "source_node", "dest_compute", "dest_node", "dest_host")


def migration_body(row: dict[str, Any], version: Version, with_hosts: bool) -> dict[str, Any]:
    # One node per host here: Nova's node names are the hosts' (hypervisor_hostname).
    ends = {"source_compute": row["source_compute"], "source_node": row["source_compute"],
            "dest_compute": row["dest_compute"], "dest_node": row["dest_compute"],
            "dest_host": row["dest_compute"]}
    body: dict[str, Any] = {
        "id": row["id"], "status": row["status"], "instance_uuid": dashed(row["instance_id"]),
        **{key: ends[key] if with_hosts else None for key in HOST_KEYS},
        "old_instance_type_id": None, "new_instance_type_id": None,
        "created_at": row["created_at"], "updated_at": row["updated_at"]}
    if version >= "2.23":
        body["migration_type"] = row["migration_type"]
    if version >= "2.59":
        body["uuid"] = row["uuid"]
    if version >= "2.80":
        body["user_id"], body["project_id"] = row["user_id"], row["project_id"]
    return body


QUERY_V20 = ("hidden", "host", "instance_uuid", "source_compute", "status", "migration_type")


def check_query(names: Iterable[str], version: Version) -> None:
    """Nova's index_query schemas: open before 2.59, then only what each version names."""
    if version < "2.59":
        return
    known = {*QUERY_V20, "limit", "marker", "changes-since"}
    if version >= "2.66":
        known.add("changes-before")
    if version >= "2.80":
        known |= {"user_id", "project_id"}
    check_known(names, frozenset(known))


@router.get("/os-migrations")
def index(request: Request, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
          version: ComputeVersion) -> dict[str, Any]:
    params = request.query_params
    check_query(params.keys(), version)
    project_id = params.get("project_id")
    engine.enforce("os_compute_api:os-migrations:index",
                   {"project_id": project_id or caller.project_id}, caller.creds)
    if not project_id or project_id != caller.project_id:
        engine.enforce("os_compute_api:os-migrations:index:all_projects",
                       {"project_id": project_id or caller.project_id}, caller.creds)
    with_hosts = engine.allowed("os_compute_api:os-migrations:index:host",
                                {"project_id": caller.project_id}, caller.creds)
    filters = {k: params[k] for k in (*MigrationViews.FILTERS, "host") if k in params}
    if "instance_uuid" in filters:
        filters["instance_uuid"] = filters["instance_uuid"].replace("-", "").lower()
    if version < "2.59":
        rows = MigrationViews(cloud.store).list(filters)
        return {"migrations": [migration_body(r, version, with_hosts) for r in rows]}
    limit = page_size(params.get("limit"))
    since = changes_since(params.get("changes-since"))
    rows = MigrationViews(cloud.store).list(filters, limit, params.get("marker"), since,
                                            changes_before(params, version, since))
    body: dict[str, Any] = {"migrations": [migration_body(r, version, with_hosts)
                                           for r in rows]}
    if rows and len(rows) == limit:
        query = urlencode({**params, "marker": rows[-1]["uuid"]})
        href = f"{cloud.settings.public_url}/compute/v2.1/os-migrations?{query}"
        body["migrations_links"] = [{"rel": "next", "href": href}]
    return body


class Migrate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str | None = Field(default=None, min_length=1, max_length=255)


def migrate(a: Act) -> Response:
    """Nova checks no body before 2.56 (and ignores it); from 2.56 it may name a host, which
    only an admin may (migrate:host instead of migrate)."""
    host = None
    if a.version >= "2.56" and a.value is not None:
        host = parsed(Migrate, a.value).host
    rule = "migrate:host" if host else "migrate"
    enforce_on(a.engine, f"os_compute_api:os-migrate-server:{rule}", a.caller, a.server)
    a.cloud.actions.migrate(a.caller.ctx, a.id, host)
    return a.accepted()


HANDLERS = {"migrate": migrate}
