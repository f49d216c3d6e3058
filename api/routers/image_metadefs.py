"""Image v2 `/metadefs`: Glance's metadata definition catalog (namespaces with their objects,
properties, tags and resource type associations), the schemas that describe them, and the
resource types they apply to. Anyone may read what is visible to them; writing is an admin's
(Glance's `metadef_admin` default)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from oslo_policy import policy

from api.auth import Caller
from api.deps import CallerDep, CloudDep, PolicyDep
from api.errors import ApiError
from api.image_access import json_body
from api.metadef_schemas import schema
from api.policy import PolicyEngine
from domain.catalog.metadef import NAMESPACE_FIELDS
from domain.errors import InvalidInput, NotFound
from projections.metadefs import MetadefViews
from projections.store import Row

router = APIRouter(prefix="/image/v2", tags=["image: metadefs"])

RULES = [
    policy.RuleDefault("get_metadef", "rule:any_reader", "Read metadata definitions"),
    policy.RuleDefault("modify_metadef", "rule:admin_api", "Change metadata definitions"),
]
NS = "/metadefs/namespaces/{namespace}"
# Glance's seeded resource types (the ones its own metadefs apply to).
RESOURCE_TYPES = ("OS::Glance::Image", "OS::Cinder::Volume", "OS::Nova::Flavor",
                  "OS::Nova::Aggregate", "OS::Nova::Server", "OS::Trove::Instance",
                  "OS::Glance::Metadef", "OS::Neutron::Network")
SEEDED = "2026-01-01T00:00:00Z"
JSON = ("application/json",)


def read(policy: PolicyEngine, caller: Caller) -> None:
    policy.enforce("get_metadef", {"project_id": caller.project_id}, caller.creds)


def write(policy: PolicyEngine, caller: Caller) -> None:
    policy.enforce("modify_metadef", {"project_id": caller.project_id}, caller.creds)


def namespace_row(cloud: CloudDep, caller: Caller, name: str) -> Row:
    row = MetadefViews(cloud.store).get(name, caller.project_id, caller.is_admin)
    if row is None:
        raise NotFound(f"Metadata definition namespace={name} was not found.")
    return row


def fresh(cloud: CloudDep, caller: Caller, name: str) -> Row:
    cloud.catch_up_for_reads()
    return namespace_row(cloud, caller, name)


def namespace_body(row: Row, full: bool = False) -> dict[str, Any]:
    name = row["namespace"]
    body = {k: row[k] for k in ("namespace", "display_name", "description", "visibility",
                                "protected", "owner", "created_at", "updated_at")}
    body = {k: v for k, v in body.items() if v is not None}
    defs = row["definitions"]
    if defs["resource_types"]:
        body["resource_type_associations"] = list(defs["resource_types"].values())
    if full:
        if defs["objects"]:
            body["objects"] = list(defs["objects"].values())
        if defs["properties"]:
            body["properties"] = {k: strip(v) for k, v in defs["properties"].items()}
        if defs["tags"]:
            body["tags"] = [{"name": t} for t in defs["tags"]]
    return {**body, "self": f"/v2/metadefs/namespaces/{name}",
            "schema": "/v2/schemas/metadefs/namespace"}


def strip(entry: dict[str, Any]) -> dict[str, Any]:
    """A property as Glance shows it: no timestamps (a property is part of its namespace)."""
    return {k: v for k, v in entry.items() if k not in ("created_at", "updated_at")}


def entry(row: Row, kind: str, name: str) -> dict[str, Any]:
    found = row["definitions"][kind].get(name)
    if found is None:
        raise NotFound(f"Metadata definition {kind[:-1]} not found: {name} in namespace "
                       f"{row['namespace']}")
    return dict(found)


def named(body: Any, what: str) -> tuple[str, dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
        raise InvalidInput(f"A {what} needs a string 'name'.")
    return str(body["name"]), {k: v for k, v in body.items()
                               if k not in ("created_at", "updated_at", "self", "schema")}


@router.get("/schemas/metadefs/{kind}")
def metadef_schema(kind: str, caller: CallerDep) -> dict[str, Any]:
    found = schema(kind)
    if found is None:
        raise NotFound(f"No schema metadefs/{kind}")
    return found


@router.get("/metadefs/resource_types")
def resource_types(caller: CallerDep, policy: PolicyDep) -> dict[str, Any]:
    read(policy, caller)
    return {"resource_types": [{"name": n, "created_at": SEEDED, "updated_at": SEEDED}
                               for n in RESOURCE_TYPES]}


@router.get("/metadefs/namespaces")
def list_namespaces(cloud: CloudDep, caller: CallerDep, policy: PolicyDep) -> dict[str, Any]:
    read(policy, caller)
    rows = MetadefViews(cloud.store).list(caller.project_id, caller.is_admin)
    return {"namespaces": [namespace_body(r) for r in rows], "first": "/v2/metadefs/namespaces",
            "schema": "/v2/schemas/metadefs/namespaces"}


@router.post("/metadefs/namespaces", status_code=201)
async def create_namespace(request: Request, cloud: CloudDep, caller: CallerDep,
                           policy: PolicyDep) -> JSONResponse:
    write(policy, caller)
    body = await json_body(request, JSON)
    if not isinstance(body, dict) or not isinstance(body.get("namespace"), str):
        raise InvalidInput("A namespace needs a string 'namespace'.")
    fields = {k: body[k] for k in NAMESPACE_FIELDS if k in body}
    definitions: dict[str, dict[str, dict[str, Any]]] = {
        "resource_types": dict(named(a, "resource type association")
                               for a in body.get("resource_type_associations") or []),
        "objects": dict(named(o, "object") for o in body.get("objects") or []),
        "tags": dict(named(t, "tag") for t in body.get("tags") or []),
        "properties": {k: {**v, "name": k} for k, v in (body.get("properties") or {}).items()
                       if isinstance(v, dict)}}
    name = body["namespace"]
    cloud.metadefs.create(caller.ctx, name, fields, definitions)
    return JSONResponse(namespace_body(fresh(cloud, caller, name), full=True), status_code=201)


@router.get(NS)
def show_namespace(namespace: str, cloud: CloudDep, caller: CallerDep,
                   policy: PolicyDep) -> dict[str, Any]:
    read(policy, caller)
    return namespace_body(namespace_row(cloud, caller, namespace), full=True)


@router.put(NS)
async def update_namespace(namespace: str, request: Request, cloud: CloudDep, caller: CallerDep,
                           policy: PolicyDep) -> dict[str, Any]:
    write(policy, caller)
    body = await json_body(request, JSON)
    if not isinstance(body, dict):
        raise InvalidInput("The request body must be a JSON object.")
    if body.get("namespace", namespace) != namespace:
        raise ApiError(400, "A namespace keeps its name: renaming is not supported.")
    cloud.metadefs.update(caller.ctx, namespace, {k: body[k] for k in NAMESPACE_FIELDS
                                                  if k in body})
    return namespace_body(fresh(cloud, caller, namespace), full=True)


@router.delete(NS, status_code=204)
def delete_namespace(namespace: str, cloud: CloudDep, caller: CallerDep,
                     policy: PolicyDep) -> Response:
    write(policy, caller)
    cloud.metadefs.delete(caller.ctx, namespace)
    return Response(status_code=204)
