"""Keystone's OS-EP-FILTER endpoint groups: `/OS-EP-FILTER/endpoint_groups[/{id}]` (create,
list, show, check, update, delete; admins). Associating groups with projects is not served."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from fastapi import APIRouter, Depends, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict

from api.auth import Caller
from api.bodies.identity import V3, NullRefused, Storable, collection_links, self_url
from api.deps import Authorize, CloudDep, CloudServices
from api.validation import Description, Name
from domain.errors import InvalidInput, NotFound
from projections.endpoint_groups import EndpointGroupViews
from projections.store import Row

router = APIRouter(prefix="/identity/v3/OS-EP-FILTER", tags=["identity: endpoint groups"])

RULES = [policy.RuleDefault("identity:endpoint_groups", "rule:admin_api",
                            "Keystone's endpoint groups (OS-EP-FILTER)")]

Admin = Annotated[Caller, Depends(Authorize("identity:endpoint_groups"))]


class Filters(Storable):
    """The endpoint attributes a group selects on (Keystone refuses any other)."""
    model_config = ConfigDict(extra="forbid")
    interface: Literal["admin", "internal", "public"] | None = None
    service_id: str | None = None
    region_id: str | None = None
    enabled: bool | None = None


class GroupCreate(Storable):
    model_config = ConfigDict(extra="forbid")
    name: Name
    description: Description | None = None
    filters: Filters


class GroupUpdate(Storable, NullRefused):
    model_config = ConfigDict(extra="forbid")
    nullable: ClassVar[frozenset[str]] = frozenset({"description"})
    name: Name | None = None
    description: Description | None = None
    filters: Filters | None = None


class GroupCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    endpoint_group: GroupCreate


class GroupUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    endpoint_group: GroupUpdate


def group_body(cloud: CloudServices, row: Row) -> dict[str, Any]:
    url = f"{cloud.settings.public_url}{V3}/OS-EP-FILTER/endpoint_groups/{row['id']}"
    return {"id": row["id"], "name": row["name"], "description": row["description"],
            "filters": row["filters"], "links": {"self": url}}


def saved(group: Any) -> Row:
    return {"id": group.id.hex, "name": group.name, "description": group.description,
            "filters": dict(group.filters)}


def existing(cloud: CloudServices, group_id: str) -> Row:
    row = EndpointGroupViews(cloud.store).group(group_id)
    if row is None:
        raise NotFound(f"Could not find endpoint group: {group_id}.")
    return row


@router.post("/endpoint_groups", status_code=201)
def create_group(body: GroupCreateRequest, cloud: CloudDep, caller: Admin) -> dict[str, Any]:
    g = body.endpoint_group
    group = cloud.endpoint_groups.create(caller.ctx, g.name, g.description,
                                         g.filters.model_dump(exclude_unset=True))
    return {"endpoint_group": group_body(cloud, saved(group))}


@router.get("/endpoint_groups")
def list_groups(request: Request, cloud: CloudDep, caller: Admin,
                name: str | None = None) -> dict[str, Any]:
    rows = EndpointGroupViews(cloud.store).groups(name)
    return {"endpoint_groups": [group_body(cloud, r) for r in rows],
            "links": collection_links(self_url(request, cloud.settings.public_url))}


@router.get("/endpoint_groups/{endpoint_group_id}")
def show_group(endpoint_group_id: str, cloud: CloudDep, caller: Admin) -> dict[str, Any]:
    return {"endpoint_group": group_body(cloud, existing(cloud, endpoint_group_id))}


@router.head("/endpoint_groups/{endpoint_group_id}", status_code=200)
def check_group(endpoint_group_id: str, cloud: CloudDep, caller: Admin) -> Response:
    existing(cloud, endpoint_group_id)
    return Response(status_code=200)


@router.patch("/endpoint_groups/{endpoint_group_id}")
def update_group(endpoint_group_id: str, body: GroupUpdateRequest, cloud: CloudDep,
                 caller: Admin) -> dict[str, Any]:
    g = body.endpoint_group
    changes: dict[str, Any] = {n: getattr(g, n) for n in ("name", "description")
                               if n in g.model_fields_set}
    if g.filters is not None:
        changes["filters"] = g.filters.model_dump(exclude_unset=True)
    if not changes:
        raise InvalidInput("An endpoint group update changes at least one attribute.")
    group = cloud.endpoint_groups.update(caller.ctx, endpoint_group_id, changes)
    return {"endpoint_group": group_body(cloud, saved(group))}


@router.delete("/endpoint_groups/{endpoint_group_id}", status_code=204)
def delete_group(endpoint_group_id: str, cloud: CloudDep, caller: Admin) -> Response:
    cloud.endpoint_groups.delete(caller.ctx, endpoint_group_id)
    return Response(status_code=204)
