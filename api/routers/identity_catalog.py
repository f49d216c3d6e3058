"""Keystone v3 catalog as data: `/regions`, `/services`, `/endpoints` (admins write; the token's
catalog, api/catalog.py, is built from the same read model)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.auth import Caller
from api.bodies.identity import (
    V3,
    KeystoneObject,
    KeystoneUpdate,
    collection_links,
    self_url,
)
from api.deps import Authorize, CloudDep, CloudServices
from api.validation import Description
from domain.errors import InvalidInput, NotFound
from projections.catalog import CatalogViews
from projections.store import Row

router = APIRouter(prefix="/identity/v3", tags=["identity: catalog"])

RULES = [
    policy.RuleDefault("identity:read_catalog", "rule:admin_api",
                       "List and show regions, services and endpoints"),
    policy.RuleDefault("identity:write_catalog", "rule:admin_api",
                       "Create, update and delete regions, services and endpoints"),
]

Reader = Annotated[Caller, Depends(Authorize("identity:read_catalog"))]
Writer = Annotated[Caller, Depends(Authorize("identity:write_catalog"))]
Text = Annotated[str, Field(max_length=255)]
RegionId = Annotated[str, Field(min_length=1, max_length=255)]
Url = Annotated[str, Field(min_length=1, max_length=225)]


class RegionCreate(KeystoneObject):
    id: RegionId | None = None
    description: Description | None = None
    parent_region_id: RegionId | None = None


class RegionUpdate(KeystoneUpdate):
    nullable = frozenset({"description", "parent_region_id"})
    description: Description | None = None
    parent_region_id: RegionId | None = None


class ServiceCreate(KeystoneObject):
    type: Text = Field(min_length=1)
    name: Text | None = None
    description: Description | None = None
    enabled: StrictBool = True


class ServiceUpdate(KeystoneUpdate):
    nullable = frozenset({"name", "description"})
    type: Text | None = None
    name: Text | None = None
    description: Description | None = None
    enabled: StrictBool | None = None


class EndpointCreate(KeystoneObject):
    service_id: Text
    interface: Text
    url: Url
    region_id: RegionId | None = None
    region: RegionId | None = None  # Keystone's legacy name: a missing region is created
    enabled: StrictBool = True


class EndpointUpdate(KeystoneUpdate):
    nullable = frozenset({"region_id", "region"})
    service_id: Text | None = None
    interface: Text | None = None
    url: Url | None = None
    region_id: RegionId | None = None
    region: RegionId | None = None
    enabled: StrictBool | None = None


class RegionCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: RegionCreate


class RegionUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: RegionUpdate


class ServiceCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: ServiceCreate


class ServiceUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: ServiceUpdate


class EndpointCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    endpoint: EndpointCreate


class EndpointUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    endpoint: EndpointUpdate


# Bodies -----------------------------------------------------------------------------------------
def region_body(row: Row, base: str) -> dict[str, Any]:
    return {**(row.get("extra") or {}), "id": row["region_id"],
            "description": row.get("description") or "",
            "parent_region_id": row.get("parent_region_id"),
            "links": {"self": f"{base}{V3}/regions/{row['region_id']}"}}


def service_body(row: Row, base: str) -> dict[str, Any]:
    body = {**(row.get("extra") or {}), "id": row["id"], "type": row["type"],
            "enabled": bool(row["enabled"]), "links": {"self": f"{base}{V3}/services/{row['id']}"}}
    for optional in ("name", "description"):
        if row.get(optional) is not None:
            body[optional] = row[optional]
    return body


def endpoint_body(row: Row, base: str) -> dict[str, Any]:
    # The bootstrap's entries name this server as `$(public_url)s`; Keystone's own
    # substitutions ($(project_id)s) are shown as stored.
    url = row["url"].replace("$(public_url)s", base)
    return {**(row.get("extra") or {}), "id": row["id"], "service_id": row["service_id"],
            "interface": row["interface"], "url": url, "region_id": row.get("region_id"),
            "region": row.get("region_id"), "enabled": bool(row["enabled"]),
            "links": {"self": f"{base}{V3}/endpoints/{row['id']}"}}


def row_of(entry: Any, **fields: Any) -> Row:
    return {"extra": dict(entry.extra), **fields}


def listed(request: Request, cloud: CloudServices, key: str, bodies: list[Any]) -> dict[str, Any]:
    return {key: bodies, "links": collection_links(self_url(request, cloud.settings.public_url))}


def found(row: Row | None, what: str, ref: str) -> Row:
    if row is None:
        raise NotFound(f"Could not find {what}: {ref}.")
    return row


# Regions ----------------------------------------------------------------------------------------
def region_row(region: Any) -> Row:
    return row_of(region, region_id=region.region_id, description=region.description,
                  parent_region_id=region.parent_region_id)


@router.get("/regions")
def list_regions(request: Request, cloud: CloudDep, caller: Reader,
                 parent_region_id: str | None = None) -> dict[str, Any]:
    base = cloud.settings.public_url
    rows = CatalogViews(cloud.store).regions(parent_region_id)
    return listed(request, cloud, "regions", [region_body(r, base) for r in rows])


@router.post("/regions", status_code=201)
def create_region(body: RegionCreateRequest, cloud: CloudDep, caller: Writer) -> dict[str, Any]:
    return make_region(body.region, body.region.id, cloud, caller)


@router.put("/regions/{region_id}", status_code=201)
def create_region_with_id(region_id: str, body: RegionCreateRequest, cloud: CloudDep,
                          caller: Writer) -> dict[str, Any]:
    if body.region.id not in (None, region_id):
        raise InvalidInput("The region id in the body differs from the URL's.")
    return make_region(body.region, region_id, cloud, caller)


def make_region(r: RegionCreate, region_id: str | None, cloud: CloudServices,
                caller: Caller) -> dict[str, Any]:
    region = cloud.catalog.create_region(caller.ctx, region_id, r.description or "",
                                         r.parent_region_id, r.extras())
    return {"region": region_body(region_row(region), cloud.settings.public_url)}


@router.get("/regions/{region_id}")
def show_region(region_id: str, cloud: CloudDep, caller: Reader) -> dict[str, Any]:
    row = found(CatalogViews(cloud.store).region(region_id), "region", region_id)
    return {"region": region_body(row, cloud.settings.public_url)}


@router.patch("/regions/{region_id}")
def update_region(region_id: str, body: RegionUpdateRequest, cloud: CloudDep,
                  caller: Writer) -> dict[str, Any]:
    r = body.region
    changes = r.given("parent_region_id")
    if "description" in r.model_fields_set:
        changes["description"] = r.description or ""
    if r.extras():
        changes["extra"] = r.extras()
    region = cloud.catalog.update_region(caller.ctx, region_id, changes)
    return {"region": region_body(region_row(region), cloud.settings.public_url)}


@router.delete("/regions/{region_id}", status_code=204)
def delete_region(region_id: str, cloud: CloudDep, caller: Writer) -> Response:
    cloud.catalog.delete_region(caller.ctx, region_id)
    return Response(status_code=204)


# Services ---------------------------------------------------------------------------------------
def service_row(service: Any) -> Row:
    return row_of(service, id=service.id.hex, type=service.type, name=service.name,
                  description=service.description, enabled=service.enabled)


@router.get("/services")
def list_services(request: Request, cloud: CloudDep, caller: Reader, type: str | None = None,  # noqa: A002
                  name: str | None = None) -> dict[str, Any]:
    base = cloud.settings.public_url
    rows = CatalogViews(cloud.store).services(type, name)
    return listed(request, cloud, "services", [service_body(r, base) for r in rows])


@router.post("/services", status_code=201)
def create_service(body: ServiceCreateRequest, cloud: CloudDep, caller: Writer) -> dict[str, Any]:
    s = body.service
    service = cloud.catalog.create_service(caller.ctx, s.type, s.name or "", s.description or "",
                                           s.enabled, s.extras())
    return {"service": service_body(service_row(service), cloud.settings.public_url)}


@router.get("/services/{catalog_service_id}")
def show_service(catalog_service_id: str, cloud: CloudDep, caller: Reader) -> dict[str, Any]:
    row = found(CatalogViews(cloud.store).service(catalog_service_id), "service",
                catalog_service_id)
    return {"service": service_body(row, cloud.settings.public_url)}


@router.patch("/services/{catalog_service_id}")
def update_service(catalog_service_id: str, body: ServiceUpdateRequest, cloud: CloudDep,
                   caller: Writer) -> dict[str, Any]:
    s = body.service
    changes = s.given("type", "enabled")
    changes.update({k: getattr(s, k) or "" for k in ("name", "description")
                    if k in s.model_fields_set})
    if s.extras():
        changes["extra"] = s.extras()
    service = cloud.catalog.update_service(caller.ctx, catalog_service_id, changes)
    return {"service": service_body(service_row(service), cloud.settings.public_url)}


@router.delete("/services/{catalog_service_id}", status_code=204)
def delete_service(catalog_service_id: str, cloud: CloudDep, caller: Writer) -> Response:
    views = CatalogViews(cloud.store)
    endpoints = [e["id"] for e in views.endpoints(service_id=catalog_service_id)]
    cloud.catalog.delete_service(caller.ctx, catalog_service_id, endpoints)
    return Response(status_code=204)


# Endpoints --------------------------------------------------------------------------------------
def endpoint_row(endpoint: Any) -> Row:
    return row_of(endpoint, id=endpoint.id.hex, service_id=endpoint.service_id,
                  interface=endpoint.interface, url=endpoint.url, region_id=endpoint.region_id,
                  enabled=endpoint.enabled)


@router.get("/endpoints")
def list_endpoints(request: Request, cloud: CloudDep, caller: Reader,
                   service_id: str | None = None, interface: str | None = None,
                   region_id: str | None = None) -> dict[str, Any]:
    base = cloud.settings.public_url
    rows = CatalogViews(cloud.store).endpoints(service_id, interface, region_id)
    return listed(request, cloud, "endpoints", [endpoint_body(r, base) for r in rows])


@router.post("/endpoints", status_code=201)
def create_endpoint(body: EndpointCreateRequest, cloud: CloudDep,
                    caller: Writer) -> dict[str, Any]:
    e = body.endpoint
    endpoint = cloud.catalog.create_endpoint(
        caller.ctx, e.service_id, e.interface, e.url, e.region_id or e.region, e.enabled,
        e.extras(), make_region=e.region_id is None and e.region is not None)
    return {"endpoint": endpoint_body(endpoint_row(endpoint), cloud.settings.public_url)}


@router.get("/endpoints/{endpoint_id}")
def show_endpoint(endpoint_id: str, cloud: CloudDep, caller: Reader) -> dict[str, Any]:
    row = found(CatalogViews(cloud.store).endpoint(endpoint_id), "endpoint", endpoint_id)
    return {"endpoint": endpoint_body(row, cloud.settings.public_url)}


@router.patch("/endpoints/{endpoint_id}")
def update_endpoint(endpoint_id: str, body: EndpointUpdateRequest, cloud: CloudDep,
                    caller: Writer) -> dict[str, Any]:
    e = body.endpoint
    changes = e.given("service_id", "interface", "url", "enabled")
    if "region_id" in e.model_fields_set or "region" in e.model_fields_set:
        changes["region_id"] = e.region_id or e.region
    if e.extras():
        changes["extra"] = e.extras()
    legacy = "region_id" not in e.model_fields_set and e.region is not None
    endpoint = cloud.catalog.update_endpoint(caller.ctx, endpoint_id, changes, make_region=legacy)
    return {"endpoint": endpoint_body(endpoint_row(endpoint), cloud.settings.public_url)}


@router.delete("/endpoints/{endpoint_id}", status_code=204)
def delete_endpoint(endpoint_id: str, cloud: CloudDep, caller: Writer) -> Response:
    cloud.catalog.delete_endpoint(caller.ctx, endpoint_id)
    return Response(status_code=204)

