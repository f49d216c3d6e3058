"""Compute `/flavors`: list/show for everyone who can see a flavor; create/delete/extra specs/access
for admins."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt

from api.auth import Caller
from api.deps import Authorize, CloudDep
from api.extra_spec_checks import check_spec
from api.microversions import ComputeVersion, Version
from api.responses.base import Body
from api.responses.compute import (
    FLAVOR_DETAIL_MODELS,
    FLAVOR_MODELS,
    ExtraSpecs,
    FlavorAccessList,
    FlavorDetailList,
    FlavorList,
    FlavorShow,
    newest,
)
from api.strict_query import known_query
from api.validation import Count, Description, Name, PositiveCount
from domain.errors import InvalidInput, NotFound
from projections.flavors import FlavorViews

router = APIRouter(prefix="/compute/v2.1", tags=["compute: flavors"])
FLAVOR_QUERY = known_query("limit", "marker", "is_public", "minRam", "minDisk", "sort_key",
                           "sort_dir", "name")

RULES = [
    policy.RuleDefault("os_compute_api:flavors:list", "@", "List and show flavors"),
    policy.RuleDefault("os_compute_api:os-flavor-manage:create", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-flavor-manage:update", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-flavor-manage:delete", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-flavor-extra-specs:index", "@"),
    policy.RuleDefault("os_compute_api:os-flavor-extra-specs:create", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-flavor-extra-specs:delete", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-flavor-access", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-flavor-access:add_tenant_access", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-flavor-access:remove_tenant_access", "rule:admin_api"),
]

Lister = Annotated[Caller, Depends(Authorize("os_compute_api:flavors:list"))]

FlavorId = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[\w\.\- ]+$")]


class FlavorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    ram: PositiveCount
    vcpus: PositiveCount
    disk: Count
    # Nova takes a string, a number or null (then a uuid), and keeps str() of a number.
    id: FlavorId | StrictInt | StrictFloat | None = None
    swap: Count = 0
    rxtx_factor: float = Field(default=1.0, gt=0, le=3.40282e38)
    description: Description | None = None
    ephemeral: Count = Field(default=0, alias="OS-FLV-EXT-DATA:ephemeral")
    is_public: bool = Field(default=True, alias="os-flavor-access:is_public")


class FlavorCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    flavor: FlavorCreate


class FlavorUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: Description | None


class FlavorUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    flavor: FlavorUpdate


class ExtraSpecsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    extra_specs: dict[Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[\w\-\.: ]+$")],
                      Annotated[str, Field(max_length=255)]]


class TenantRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tenant: str = Field(min_length=1, max_length=255)


class FlavorAccessAction(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    add_tenant_access: TenantRef | None = Field(default=None, alias="addTenantAccess")
    remove_tenant_access: TenantRef | None = Field(default=None, alias="removeTenantAccess")


def flavor_body(row: dict[str, Any], base: str, version: Version,
                detail: bool = True) -> Body:
    """The flavor as Nova shows it at `version`: the description from 2.55, the extra specs
    (detail) from 2.61."""
    links = [{"rel": "self", "href": f"{base}/compute/v2.1/flavors/{row['flavorid']}"},
             {"rel": "bookmark", "href": f"{base}/compute/flavors/{row['flavorid']}"}]
    body: dict[str, Any] = {"id": row["flavorid"], "name": row["name"], "links": links}
    if version >= "2.55":
        body["description"] = row["description"]
    if detail:
        body.update({
            "ram": row["ram"], "vcpus": row["vcpus"], "disk": row["disk"],
            # No swap: Nova's "" before 2.75, 0 from it.
            "swap": row["swap"] or ("" if version < "2.75" else 0),
            "rxtx_factor": row["rxtx_factor"],
            "OS-FLV-EXT-DATA:ephemeral": row["ephemeral"],
            "OS-FLV-DISABLED:disabled": row["disabled"],
            "os-flavor-access:is_public": bool(row["is_public"]),
        })
        if version >= "2.61":
            body["extra_specs"] = row["extra_specs"]
        if version >= "2.102":  # both removed
            del body["rxtx_factor"], body["OS-FLV-DISABLED:disabled"]
    model = newest(version, FLAVOR_DETAIL_MODELS if detail else FLAVOR_MODELS)
    return model.model_validate(body)


def views(cloud: CloudDep) -> FlavorViews:
    return FlavorViews(cloud.store)


def visible(cloud: CloudDep, caller: Caller, flavorid: str) -> dict[str, Any]:
    row = FlavorViews(cloud.store).get(flavorid)
    if row is None or not (caller.is_admin or row["is_public"]
                           or caller.project_id in FlavorViews(cloud.store).access(flavorid)):
        raise NotFound(f"Flavor {flavorid} could not be found.")
    return row


def list_flavors(cloud: CloudDep, caller: Caller, version: Version, detail: bool,
                 is_public: str | None, min_ram: int | None, min_disk: int | None,
                 limit: int | None, marker: str | None, name: str | None = None) -> dict[str, Any]:
    """`name`: from 2.102 a regular expression the name must match (Nova's REGEXP); before,
    an unknown parameter (400 from 2.75, ignored before)."""
    if name is not None and version < "2.102":
        if version >= "2.75":
            raise InvalidInput("Additional properties are not allowed ('name' was unexpected)")
        name = None
    rows = FlavorViews(cloud.store).list(
        project_id=caller.project_id, is_admin=caller.is_admin, is_public=is_public,
        min_ram=min_ram, min_disk=min_disk, limit=limit, marker=marker, name=name)
    return {"flavors": [flavor_body(r, cloud.settings.public_url, version, detail)
                        for r in rows]}


ListQuery = Annotated[int | None, Query(ge=0)]


@router.get("/flavors", response_model=FlavorList, dependencies=[FLAVOR_QUERY])
def index(cloud: CloudDep, caller: Lister, version: ComputeVersion, is_public: str | None = None,
          minRam: ListQuery = None, minDisk: ListQuery = None,  # noqa: N803 - Nova's names
          limit: ListQuery = None, marker: str | None = None,
          name: str | None = None) -> dict[str, Any]:
    return list_flavors(cloud, caller, version, False, is_public, minRam, minDisk, limit,
                        marker, name)


@router.get("/flavors/detail", response_model=FlavorDetailList, dependencies=[FLAVOR_QUERY])
def detail(cloud: CloudDep, caller: Lister, version: ComputeVersion, is_public: str | None = None,
           minRam: ListQuery = None, minDisk: ListQuery = None,  # noqa: N803
           limit: ListQuery = None, marker: str | None = None,
           name: str | None = None) -> dict[str, Any]:
    return list_flavors(cloud, caller, version, True, is_public, minRam, minDisk, limit,
                        marker, name)


@router.get("/flavors/{flavorid}", response_model=FlavorShow)
def show(flavorid: str, cloud: CloudDep, caller: Lister,
         version: ComputeVersion) -> dict[str, Any]:
    return {"flavor": flavor_body(visible(cloud, caller, flavorid), cloud.settings.public_url,
                                  version)}


Admin = Annotated[Caller, Depends(Authorize("os_compute_api:os-flavor-manage:create"))]


@router.post("/flavors", response_model=FlavorShow)
def create(body: FlavorCreateRequest, cloud: CloudDep, caller: Admin,
           version: ComputeVersion) -> dict[str, Any]:
    f = body.flavor
    if f.description is not None and version < "2.55":
        # Nova's create schema before 2.55 has no description: an unknown key is a 400.
        raise InvalidInput("Additional properties are not allowed ('description' was unexpected)")
    if "rxtx_factor" in f.model_fields_set and version >= "2.102":  # removed from 2.102
        raise InvalidInput("Additional properties are not allowed ('rxtx_factor' was unexpected)")
    flavor = cloud.flavors.create(
        caller.ctx, str(uuid.uuid4() if f.id is None else f.id), f.name.strip(), f.ram, f.vcpus,
        f.disk,
        ephemeral=f.ephemeral, swap=f.swap, rxtx_factor=f.rxtx_factor, is_public=f.is_public,
        description=f.description)
    return {"flavor": flavor_body(aggregate_row(flavor), cloud.settings.public_url, version)}


def aggregate_row(flavor: Any) -> dict[str, Any]:
    return {**{k: getattr(flavor, k) for k in ("flavorid", "name", "ram", "vcpus", "disk", "swap",
                                               "rxtx_factor", "ephemeral", "is_public",
                                               "description", "disabled")},
            "extra_specs": dict(flavor.extra_specs)}


Updater = Annotated[Caller, Depends(Authorize("os_compute_api:os-flavor-manage:update"))]
Deleter = Annotated[Caller, Depends(Authorize("os_compute_api:os-flavor-manage:delete"))]
SpecReader = Annotated[Caller, Depends(Authorize("os_compute_api:os-flavor-extra-specs:index"))]
SpecWriter = Annotated[Caller, Depends(Authorize("os_compute_api:os-flavor-extra-specs:create"))]
SpecDeleter = Annotated[Caller, Depends(Authorize("os_compute_api:os-flavor-extra-specs:delete"))]
AccessAdmin = Annotated[Caller, Depends(Authorize("os_compute_api:os-flavor-access"))]


@router.put("/flavors/{flavorid}", response_model=FlavorShow)
def update(flavorid: str, body: FlavorUpdateRequest, cloud: CloudDep,
           caller: Updater, version: ComputeVersion) -> dict[str, Any]:
    if version < "2.55":
        # Nova's flavor update exists from 2.55 on; below, the route is not there.
        raise NotFound("The resource could not be found.")
    flavor = cloud.flavors.describe(caller.ctx, flavorid, body.flavor.description)
    return {"flavor": flavor_body(aggregate_row(flavor), cloud.settings.public_url, version)}


@router.delete("/flavors/{flavorid}", status_code=202)
def delete(flavorid: str, cloud: CloudDep, caller: Deleter) -> Response:
    cloud.flavors.delete(caller.ctx, flavorid)
    return Response(status_code=202)


@router.get("/flavors/{flavorid}/os-extra_specs", response_model=ExtraSpecs)
def extra_specs(flavorid: str, cloud: CloudDep, caller: SpecReader) -> dict[str, Any]:
    return {"extra_specs": visible(cloud, caller, flavorid)["extra_specs"]}


@router.post("/flavors/{flavorid}/os-extra_specs", response_model=ExtraSpecs)
def set_extra_specs(flavorid: str, body: ExtraSpecsRequest, cloud: CloudDep,
                    caller: SpecWriter, version: ComputeVersion) -> dict[str, Any]:
    if version >= "2.86":
        for name, value in body.extra_specs.items():
            check_spec(name, value)
    flavor = cloud.flavors.set_extra_specs(caller.ctx, flavorid, body.extra_specs)
    return {"extra_specs": dict(flavor.extra_specs)}


@router.get("/flavors/{flavorid}/os-extra_specs/{key}", response_model=dict[str, str])
def extra_spec(flavorid: str, key: str, cloud: CloudDep, caller: SpecReader) -> dict[str, Any]:
    specs = visible(cloud, caller, flavorid)["extra_specs"]
    if key not in specs:
        raise NotFound(f"Flavor {flavorid} has no extra specs with key {key}.")
    return {key: specs[key]}


@router.put("/flavors/{flavorid}/os-extra_specs/{key}", response_model=dict[str, str])
def put_extra_spec(flavorid: str, key: str, body: dict[str, Any], cloud: CloudDep,
                   caller: SpecWriter, version: ComputeVersion) -> dict[str, Any]:
    if version >= "2.86":  # Nova checks the body's specs before it matches the path's key
        for name, value in body.items():
            check_spec(name, str(value))
    if list(body) != [key] or not isinstance(body[key], str) or len(body[key]) > 255:
        raise InvalidInput("Request body and URI mismatch")
    cloud.flavors.set_extra_specs(caller.ctx, flavorid, {key: body[key]})
    return {key: body[key]}


@router.delete("/flavors/{flavorid}/os-extra_specs/{key}")
def delete_extra_spec(flavorid: str, key: str, cloud: CloudDep, caller: SpecDeleter) -> Response:
    cloud.flavors.unset_extra_spec(caller.ctx, flavorid, key)
    return Response(status_code=200)


def access_body(flavorid: str, projects: list[str]) -> dict[str, Any]:
    return {"flavor_access": [{"flavor_id": flavorid, "tenant_id": p} for p in projects]}


@router.get("/flavors/{flavorid}/os-flavor-access", response_model=FlavorAccessList)
def list_access(flavorid: str, cloud: CloudDep, caller: AccessAdmin) -> dict[str, Any]:
    row = visible(cloud, caller, flavorid)
    if row["is_public"]:
        raise NotFound("Access list not available for public flavors.")
    return access_body(flavorid, FlavorViews(cloud.store).access(flavorid))


@router.post("/flavors/{flavorid}/action", response_model=FlavorAccessList)
def access_action(flavorid: str, body: FlavorAccessAction, cloud: CloudDep,
                  caller: AccessAdmin) -> dict[str, Any]:
    if (body.add_tenant_access is None) == (body.remove_tenant_access is None):
        raise InvalidInput("Exactly one of addTenantAccess or removeTenantAccess is required.")
    if body.add_tenant_access is not None:
        flavor = cloud.flavors.grant_access(caller.ctx, flavorid, body.add_tenant_access.tenant)
    else:
        assert body.remove_tenant_access is not None
        flavor = cloud.flavors.revoke_access(caller.ctx, flavorid, body.remove_tenant_access.tenant)
    return access_body(flavorid, list(flavor.access))
