"""Networking `/network/v2.0/subnetpools`: prefixes a project's subnets are cut from (a subnet
names the pool and a prefix length or a CIDR of it; network_subnets.py). Shared pools are made
by admins and seen by every project."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.bodies.networks import (
    PREFIX,
    dashed,
    owned_by,
    parse_ref,
    project_filter,
    tagged,
    target,
    views,
)
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.network_lists import listed, selected
from api.responses.network import SubnetPoolFieldsShow, SubnetPoolList, SubnetPoolShow
from domain.errors import InvalidInput, NotFound
from projections.store import Row

router = APIRouter(prefix=PREFIX, tags=["network: subnet pools"])

RULES = [
    policy.RuleDefault("get_subnetpool", "rule:admin_or_reader"),
    policy.RuleDefault("create_subnetpool", "rule:admin_or_member"),
    policy.RuleDefault("create_subnetpool:shared", "rule:admin_api"),
    policy.RuleDefault("create_subnetpool:is_default", "rule:admin_api"),
    policy.RuleDefault("update_subnetpool", "rule:admin_or_member"),
    policy.RuleDefault("update_subnetpool:is_default", "rule:admin_api"),
    policy.RuleDefault("delete_subnetpool", "rule:admin_or_member"),
]
FILTERS = ("id", "name", "ip_version", "shared", "is_default", "project_id", "tenant_id",
           "default_prefixlen", "min_prefixlen", "max_prefixlen", "description")


class PoolCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=255)
    description: str = Field(default="", max_length=255)
    prefixes: list[str] | str
    default_prefixlen: int | None = None
    min_prefixlen: int | None = None
    max_prefixlen: int | None = None
    shared: bool = False
    is_default: bool = False
    project_id: str | None = Field(default=None, max_length=64)
    tenant_id: str | None = Field(default=None, max_length=64)
    address_scope_id: None = None
    default_quota: None = None


class PoolCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subnetpool: PoolCreate


class PoolUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=255)
    prefixes: list[str] | None = None
    default_prefixlen: int | None = None
    min_prefixlen: int | None = None
    max_prefixlen: int | None = None
    is_default: bool | None = None


class PoolUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subnetpool: PoolUpdate


def pool_body(row: Row) -> dict[str, Any]:
    pool = row["pool"]
    default, low, high = pool["lengths"]
    return {"id": dashed(row["id"]), "name": pool["name"], **owned_by(row["project_id"]),
            "prefixes": pool["prefixes"], "ip_version": pool["ip_version"],
            "default_prefixlen": default, "min_prefixlen": low, "max_prefixlen": high,
            "shared": bool(pool.get("shared")), "is_default": bool(pool.get("is_default")),
            "description": pool.get("description", ""), "address_scope_id": None,
            "default_quota": None, "tags": [], "revision_number": 0,
            "created_at": row["created_at"], "updated_at": row["updated_at"]}


def visible_pool(cloud: CloudServices, caller: Caller, ref: str) -> Row:
    row = views(cloud).subnet_pool(parse_ref(ref, "Subnet pool"))
    if row is None or not (caller.is_admin or row["shared"]
                           or row["project_id"] == caller.project_id):
        raise NotFound(f"Subnet pool {ref} could not be found.")
    return row


def shown(cloud: CloudServices, caller: Caller, pool_id: str) -> dict[str, Any]:
    cloud.catch_up_for_reads()
    return {"subnetpool": tagged(cloud, "subnetpools",
                                  [pool_body(visible_pool(cloud, caller, pool_id))])[0]}


@router.get("/subnetpools", response_model=SubnetPoolList)
def index(request: Request, cloud: CloudDep, caller: CallerDep,
          engine: PolicyDep) -> dict[str, Any]:
    engine.enforce("get_subnetpool", owned_by(caller.project_id or ""), caller.creds)
    params = request.query_params
    wanted = project_filter(params, caller)
    rows = views(cloud).subnet_pools(None if caller.is_admin else caller.project_id)
    bodies = tagged(cloud, "subnetpools", [
        pool_body(r) for r in rows if wanted is None or r["project_id"] == wanted
        or (r["shared"] and not caller.is_admin)])
    return listed("subnetpools", bodies, params, FILTERS, str(request.url.path))


@router.post("/subnetpools", status_code=201, response_model=SubnetPoolShow)
def create(body: PoolCreateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    req = body.subnetpool
    project_id = req.project_id or req.tenant_id or caller.project_id
    if not project_id:
        raise InvalidInput("A subnet pool needs a project: use a project-scoped token.")
    owner = owned_by(project_id)
    engine.enforce("create_subnetpool", owner, caller.creds)
    for key in ("shared", "is_default"):
        if getattr(req, key):
            engine.enforce(f"create_subnetpool:{key}", owner, caller.creds)
    prefixes = [req.prefixes] if isinstance(req.prefixes, str) else req.prefixes
    pool = cloud.subnet_pools.create_pool(
        caller.ctx, project_id, req.name, prefixes, req.default_prefixlen, req.min_prefixlen,
        req.max_prefixlen, {"description": req.description, "shared": req.shared,
                            "is_default": req.is_default})
    return shown(cloud, caller, pool.id.hex)


@router.get("/subnetpools/{pool_id}", response_model=SubnetPoolFieldsShow)
def show(pool_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep) -> dict[str, Any]:
    row = visible_pool(cloud, caller, pool_id)
    engine.enforce("get_subnetpool", owned_by(caller.project_id or "") if row["shared"]
                   else target(row), caller.creds)
    body = tagged(cloud, "subnetpools", [pool_body(row)])[0]
    return {"subnetpool": selected(body, request.query_params)}


@router.put("/subnetpools/{pool_id}", response_model=SubnetPoolShow)
def update(pool_id: str, body: PoolUpdateRequest, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep) -> dict[str, Any]:
    row = visible_pool(cloud, caller, pool_id)
    engine.enforce("update_subnetpool", target(row), caller.creds)
    changes = body.subnetpool.model_dump(exclude_unset=True)
    if changes.get("is_default"):
        engine.enforce("update_subnetpool:is_default", target(row), caller.creds)
    if any(v is None for k, v in changes.items() if k != "description"):
        raise InvalidInput("Invalid input: attributes of a subnet pool cannot be set to null.")
    cloud.subnet_pools.update_pool(caller.ctx, row["id"], changes)
    return shown(cloud, caller, row["id"])


@router.delete("/subnetpools/{pool_id}", status_code=204)
def delete(pool_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep) -> Response:
    row = visible_pool(cloud, caller, pool_id)
    engine.enforce("delete_subnetpool", target(row), caller.creds)
    cloud.subnet_pools.delete_pool(caller.ctx, row["id"])
    return Response(status_code=204)
