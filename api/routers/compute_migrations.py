"""Compute `os-migrations` (the migrations read model, projections/migrations.py) and the
`migrate` server action (a cold migration: the resize machinery, same flavor, another host).

Microversions of the list: `migration_type` at 2.23; `uuid`, paging (limit, marker) and
changes-since at 2.59 (and from it Nova's query schema is strict: an unknown parameter is 400);
changes-before at 2.66; `user_id` and `project_id` as filters and fields at 2.80. Flavors here
have no integer database ids, so `old_instance_type_id` and `new_instance_type_id` are null
(the schema allows it). From 2.23 an in-progress live migration links to its
`/servers/{id}/migrations/{id}` (compute_server_migrations.py), as Nova's do.

The `os-migrateLive` action (admins only): `host` (null: the scheduler picks), `block_migration`
(a boolean, or "auto" from 2.25), `disk_over_commit` (required before 2.25, then gone), `force`
(2.30 to 2.67; the named host is still checked for room: its claim is what keeps it honest).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.bodies.servers import dashed, links
from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion, Version
from api.routers.compute_floating_ip_actions import parsed
from api.routers.compute_servers import enforce_on
from api.server_action import Act
from api.server_list import changes_before, changes_since, page_size
from api.strict_query import check_known
from domain.errors import InvalidInput
from projections.migrations import MigrationViews

router = APIRouter(prefix="/compute/v2.1", tags=["compute: migrations"])

RULES = [
    policy.RuleDefault("os_compute_api:os-migrations:index", "rule:project_manager_or_admin"),
    policy.RuleDefault("os_compute_api:os-migrations:index:all_projects", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-migrations:index:host", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-migrate-server:migrate",
                       "rule:project_manager_or_admin"),
    policy.RuleDefault("os_compute_api:os-migrate-server:migrate:host", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-migrate-server:migrate_live", "rule:admin_api"),
]

HOST_KEYS = ("source_compute", "source_node", "dest_compute", "dest_node", "dest_host")


IN_PROGRESS = ("preparing", "running")  # of a live migration, as its row shows it


def migration_body(row: dict[str, Any], version: Version, with_hosts: bool,
                   base: str = "") -> dict[str, Any]:
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
        if row["migration_type"] == "live-migration" and row["status"] in IN_PROGRESS:
            body["links"] = links(base, f"servers/{body['instance_uuid']}/migrations",
                                  str(row["id"]))
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
    base = cloud.settings.public_url
    if version < "2.59":
        rows = MigrationViews(cloud.store).list(filters)
        return {"migrations": [migration_body(r, version, with_hosts, base) for r in rows]}
    limit = page_size(params.get("limit"))
    since = changes_since(params.get("changes-since"))
    rows = MigrationViews(cloud.store).list(filters, limit, params.get("marker"), since,
                                            changes_before(params, version, since))
    body: dict[str, Any] = {"migrations": [migration_body(r, version, with_hosts, base)
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


# Nova's parameter_types.boolean: these spellings, or a JSON boolean.
TRUE_WORDS = frozenset({"true", "1", "on", "yes"})
FALSE_WORDS = frozenset({"false", "0", "off", "no"})


def nova_bool(value: Any, name: str, auto: bool = False) -> bool | None:
    """A boolean as Nova's schema takes it; "auto" (None) where allowed."""
    if isinstance(value, bool):
        return value
    if auto and value == "auto":
        return None
    if isinstance(value, str) and value.lower() in TRUE_WORDS | FALSE_WORDS:
        return value.lower() in TRUE_WORDS
    raise InvalidInput(f"Invalid input for field/attribute {name}. Value: {value}. "
                       f"{value!r} is not one of the allowed values")


def live_body(value: Any, version: Version) -> tuple[str | None, bool | None]:
    """Nova's migrate_live schemas by microversion: (host, block_migration)."""
    if not isinstance(value, dict):
        raise InvalidInput("Invalid input for field/attribute os-migrateLive.")
    old = version < "2.25"
    allowed = {"host", "block_migration"} | ({"disk_over_commit"} if old else set()) | (
        {"force"} if "2.30" <= version < "2.68" else set())
    required = {"host", "block_migration"} | ({"disk_over_commit"} if old else set())
    extra, missing = set(value) - allowed, required - set(value)
    if extra:
        raise InvalidInput(f"Additional properties are not allowed ({', '.join(sorted(extra))} "
                           "was unexpected)")
    if missing:
        raise InvalidInput(f"'{sorted(missing)[0]}' is a required property")
    host = value["host"]
    if host is not None and (not isinstance(host, str) or not 1 <= len(host) <= 255):
        raise InvalidInput(f"Invalid input for field/attribute host. Value: {host}.")
    for name in ("disk_over_commit", "force"):
        if name in value:
            nova_bool(value[name], name)
    return host, nova_bool(value["block_migration"], "block_migration", not old)


def migrate_live(a: Act) -> Response:
    enforce_on(a.engine, "os_compute_api:os-migrate-server:migrate_live", a.caller, a.server)
    host, block_migration = live_body(a.value, a.version)
    a.cloud.actions.live_migrate(a.caller.ctx, a.id, host, block_migration)
    return a.accepted()


HANDLERS = {"migrate": migrate, "os-migrateLive": migrate_live}
