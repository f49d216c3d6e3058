"""Image v2 `/metadefs/namespaces/{namespace}/…`: the objects, properties, tags and resource type
associations inside a metadata definition namespace (Glance's shapes; namespaces themselves:
image_metadefs.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from api.auth import Caller
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.image_access import json_body
from api.policy import PolicyEngine
from api.routers.image_metadefs import (
    JSON,
    NS,
    entry,
    fresh,
    named,
    namespace_row,
    read,
    strip,
    write,
)
from domain.errors import InvalidInput

router = APIRouter(prefix="/image/v2", tags=["image: metadefs"])


def object_body(namespace: str, found: dict[str, Any]) -> dict[str, Any]:
    return {"required": [], "properties": {}, **found,
            "self": f"/v2/metadefs/namespaces/{namespace}/objects/{found['name']}",
            "schema": "/v2/schemas/metadefs/object"}


def tag_body(found: dict[str, Any]) -> dict[str, Any]:
    return {k: found[k] for k in ("name", "created_at", "updated_at") if k in found}


# What a create, update and delete of every kind of entry does; the routes shape the answer.


async def saved(request: Request, cloud: CloudServices, caller: Caller, policy: PolicyEngine,
                namespace: str, kind: str, noun: str, replacing: str | None = None
                ) -> dict[str, Any]:
    """Save the entry named in the body (renaming `replacing`, for an update) and return it as
    stored."""
    write(policy, caller)
    name, body = named(await json_body(request, JSON), noun)
    cloud.metadefs.save(caller.ctx, namespace, kind, name, body, replacing=replacing)
    return entry(fresh(cloud, caller, namespace), kind, name)


def removed(cloud: CloudServices, caller: Caller, policy: PolicyEngine, namespace: str,
            kind: str, name: str | None) -> Response:
    """Remove one entry (or, with no name, every entry of the kind)."""
    write(policy, caller)
    cloud.metadefs.remove(caller.ctx, namespace, kind, name)
    return Response(status_code=204)


# --- objects -------------------------------------------------------------------------------


@router.get(NS + "/objects")
def list_objects(namespace: str, cloud: CloudDep, caller: CallerDep,
                 policy: PolicyDep) -> dict[str, Any]:
    read(policy, caller)
    row = namespace_row(cloud, caller, namespace)
    return {"objects": [object_body(namespace, o) for o in row["definitions"]["objects"].values()],
            "schema": "v2/schemas/metadefs/objects"}


@router.post(NS + "/objects", status_code=201)
async def create_object(namespace: str, request: Request, cloud: CloudDep, caller: CallerDep,
                        policy: PolicyDep) -> JSONResponse:
    found = await saved(request, cloud, caller, policy, namespace, "objects", "object")
    return JSONResponse(object_body(namespace, found), status_code=201)


@router.get(NS + "/objects/{object_name}")
def show_object(namespace: str, object_name: str, cloud: CloudDep, caller: CallerDep,
                policy: PolicyDep) -> dict[str, Any]:
    read(policy, caller)
    row = namespace_row(cloud, caller, namespace)
    return object_body(namespace, entry(row, "objects", object_name))


@router.put(NS + "/objects/{object_name}")
async def update_object(namespace: str, object_name: str, request: Request, cloud: CloudDep,
                        caller: CallerDep, policy: PolicyDep) -> dict[str, Any]:
    return object_body(namespace, await saved(request, cloud, caller, policy, namespace,
                                              "objects", "object", replacing=object_name))


@router.delete(NS + "/objects/{object_name}", status_code=204)
def delete_object(namespace: str, object_name: str, cloud: CloudDep, caller: CallerDep,
                  policy: PolicyDep) -> Response:
    return removed(cloud, caller, policy, namespace, "objects", object_name)


# --- properties ----------------------------------------------------------------------------


@router.get(NS + "/properties")
def list_properties(namespace: str, cloud: CloudDep, caller: CallerDep,
                    policy: PolicyDep) -> dict[str, Any]:
    read(policy, caller)
    row = namespace_row(cloud, caller, namespace)
    # Glance lists a namespace's properties as an object keyed by name.
    return {"properties": {k: strip(v) for k, v in row["definitions"]["properties"].items()}}


@router.post(NS + "/properties", status_code=201)
async def create_property(namespace: str, request: Request, cloud: CloudDep, caller: CallerDep,
                          policy: PolicyDep) -> JSONResponse:
    found = await saved(request, cloud, caller, policy, namespace, "properties", "property")
    return JSONResponse(strip(found), status_code=201)


@router.get(NS + "/properties/{property_name}")
def show_property(namespace: str, property_name: str, cloud: CloudDep, caller: CallerDep,
                  policy: PolicyDep) -> dict[str, Any]:
    read(policy, caller)
    return strip(entry(namespace_row(cloud, caller, namespace), "properties", property_name))


@router.put(NS + "/properties/{property_name}")
async def update_property(namespace: str, property_name: str, request: Request, cloud: CloudDep,
                          caller: CallerDep, policy: PolicyDep) -> dict[str, Any]:
    return strip(await saved(request, cloud, caller, policy, namespace, "properties", "property",
                             replacing=property_name))


@router.delete(NS + "/properties/{property_name}", status_code=204)
def delete_property(namespace: str, property_name: str, cloud: CloudDep, caller: CallerDep,
                    policy: PolicyDep) -> Response:
    return removed(cloud, caller, policy, namespace, "properties", property_name)


# --- tags ----------------------------------------------------------------------------------


@router.get(NS + "/tags")
def list_tags(namespace: str, cloud: CloudDep, caller: CallerDep,
              policy: PolicyDep) -> dict[str, Any]:
    read(policy, caller)
    row = namespace_row(cloud, caller, namespace)
    return {"tags": [tag_body(t) for t in row["definitions"]["tags"].values()]}


@router.post(NS + "/tags", status_code=201)
async def replace_tags(namespace: str, request: Request, cloud: CloudDep, caller: CallerDep,
                       policy: PolicyDep) -> JSONResponse:
    write(policy, caller)
    body = await json_body(request, JSON)
    tags = body.get("tags") if isinstance(body, dict) else None
    if not isinstance(tags, list):
        raise InvalidInput("A list of tags is expected: {\"tags\": [{\"name\": ...}]}.")
    bodies = dict(named(t, "tag") for t in tags)
    cloud.metadefs.replace_all(caller.ctx, namespace, "tags", bodies)
    row = fresh(cloud, caller, namespace)
    return JSONResponse({"tags": [tag_body(t) for t in row["definitions"]["tags"].values()]},
                        status_code=201)


@router.delete(NS + "/tags", status_code=204)
def delete_tags(namespace: str, cloud: CloudDep, caller: CallerDep,
                policy: PolicyDep) -> Response:
    return removed(cloud, caller, policy, namespace, "tags", None)


@router.post(NS + "/tags/{tag_name}", status_code=201)
def create_tag(namespace: str, tag_name: str, cloud: CloudDep, caller: CallerDep,
               policy: PolicyDep) -> JSONResponse:
    write(policy, caller)
    cloud.metadefs.save(caller.ctx, namespace, "tags", tag_name, {"name": tag_name})
    found = entry(fresh(cloud, caller, namespace), "tags", tag_name)
    return JSONResponse(tag_body(found), status_code=201)


@router.get(NS + "/tags/{tag_name}")
def show_tag(namespace: str, tag_name: str, cloud: CloudDep, caller: CallerDep,
             policy: PolicyDep) -> dict[str, Any]:
    read(policy, caller)
    return tag_body(entry(namespace_row(cloud, caller, namespace), "tags", tag_name))


@router.put(NS + "/tags/{tag_name}")
async def update_tag(namespace: str, tag_name: str, request: Request, cloud: CloudDep,
                     caller: CallerDep, policy: PolicyDep) -> dict[str, Any]:
    write(policy, caller)
    new_name, _ = named(await json_body(request, JSON), "tag")
    cloud.metadefs.save(caller.ctx, namespace, "tags", new_name, {"name": new_name},
                        replacing=tag_name)
    return tag_body(entry(fresh(cloud, caller, namespace), "tags", new_name))


@router.delete(NS + "/tags/{tag_name}", status_code=204)
def delete_tag(namespace: str, tag_name: str, cloud: CloudDep, caller: CallerDep,
               policy: PolicyDep) -> Response:
    return removed(cloud, caller, policy, namespace, "tags", tag_name)


# --- resource type associations ------------------------------------------------------------


@router.get(NS + "/resource_types")
def list_associations(namespace: str, cloud: CloudDep, caller: CallerDep,
                      policy: PolicyDep) -> dict[str, Any]:
    read(policy, caller)
    row = namespace_row(cloud, caller, namespace)
    return {"resource_type_associations": list(row["definitions"]["resource_types"].values())}


@router.post(NS + "/resource_types", status_code=201)
async def associate(namespace: str, request: Request, cloud: CloudDep, caller: CallerDep,
                    policy: PolicyDep) -> JSONResponse:
    found = await saved(request, cloud, caller, policy, namespace, "resource_types",
                        "resource type association")
    return JSONResponse(found, status_code=201)


@router.delete(NS + "/resource_types/{resource_type}", status_code=204)
def dissociate(namespace: str, resource_type: str, cloud: CloudDep, caller: CallerDep,
               policy: PolicyDep) -> Response:
    return removed(cloud, caller, policy, namespace, "resource_types", resource_type)

