"""Compute `/os-aggregates`: host aggregates, their hosts, metadata and availability zone.

Admin only (Nova's default policy). Ids are integers in the path and bodies (the read model's
`seq`), with the aggregate's uuid shown from 2.41. From 2.81 `POST /os-aggregates/{id}/images`
asks the aggregate's hosts to pre-cache images (domain/process/compute/image_cache.py). Bodies
after a command are built from the aggregate the command returns; lists and shows read the
projection.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.auth import Caller
from api.bodies.servers import dashed
from api.deps import Authorize, CallerDep, CloudDep, CloudServices, PolicyDep
from api.microversions import ComputeVersion, Version
from api.responses.aggregates import (
    Aggregate,
    AggregateCreated,
    AggregateCreatedV241,
    AggregateCreateShow,
    AggregateList,
    AggregateShow,
    AggregateV241,
)
from api.routers.compute_servers import caught_up
from api.validation import Name
from domain.compute.host_aggregate import ZONE_KEY
from domain.errors import InvalidInput, NotFound
from projections.host_aggregates import HostAggregateViews
from projections.store import Row

router = APIRouter(prefix="/compute/v2.1", tags=["compute: aggregates"])

RULES = [policy.RuleDefault(f"os_compute_api:os-aggregates:{name}", "rule:admin_api")
         for name in ("index", "create", "show", "update", "delete", "add_host", "remove_host",
                      "set_metadata")] + [
    policy.RuleDefault("compute:aggregates:images", "rule:admin_api")]

MetadataKey = Annotated[str, Field(min_length=1, max_length=255)]
MetadataValue = Annotated[str, Field(max_length=255)]


class ImageRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: UUID


class ImagesCacheRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cache: list[ImageRef] = Field(min_length=1)


class AggregateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    availability_zone: Name | None = None


class AggregateCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    aggregate: AggregateCreate


class AggregateUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    availability_zone: Name | None = None

    @model_validator(mode="after")
    def some(self) -> AggregateUpdate:
        if not self.model_fields_set:
            raise ValueError("Invalid input for field/attribute aggregate: {} does not have "
                             "enough properties")
        return self


class AggregateUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    aggregate: AggregateUpdate


class HostChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: Name


class MetadataChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metadata: dict[MetadataKey, MetadataValue | None]


class AggregateAction(BaseModel):
    """Exactly one of Nova's three aggregate actions."""

    model_config = ConfigDict(extra="forbid")
    add_host: HostChange | None = None
    remove_host: HostChange | None = None
    set_metadata: MetadataChange | None = None

    @model_validator(mode="after")
    def one(self) -> AggregateAction:
        if len(self.model_fields_set) != 1:
            raise ValueError("Exactly one of add_host, remove_host, set_metadata")
        return self


def body(row: Row, version: Version, created: bool = False) -> Aggregate | AggregateCreated:
    shown: dict[str, Any] = {
        "id": int(row["seq"]), "name": row["name"],
        "availability_zone": row["metadata"].get(ZONE_KEY), "created_at": row["created_at"],
        "updated_at": row["updated_at"], "deleted": False, "deleted_at": None}
    if not created:
        shown.update(hosts=row["hosts"], metadata=row["metadata"])
    if version >= "2.41":
        shown["uuid"] = dashed(row["id"])
    if created:
        return (AggregateCreatedV241 if version >= "2.41" else AggregateCreated)(**shown)
    return (AggregateV241 if version >= "2.41" else Aggregate)(**shown)


def found(cloud: CloudServices, aggregate_id: str) -> Row:
    row = None
    if aggregate_id.lstrip("-").isdigit():
        row = HostAggregateViews(cloud.store).by_seq(int(aggregate_id))
    if row is None:
        raise NotFound(f"Aggregate {aggregate_id} could not be found.")
    return row


def current(cloud: CloudServices, aggregate_id: UUID) -> Row:
    """The row after a command (read-your-writes)."""
    caught_up(cloud)
    row = next((r for r in HostAggregateViews(cloud.store).list()
                if r["id"] == aggregate_id.hex), None)
    if row is None:
        raise NotFound(f"Aggregate {aggregate_id} could not be found.")
    return row


def rule(name: str) -> Any:
    return Depends(Authorize(f"os_compute_api:os-aggregates:{name}"))


@router.get("/os-aggregates", response_model=AggregateList)
def index(cloud: CloudDep, caller: Annotated[Caller, rule("index")],
          version: ComputeVersion) -> dict[str, Any]:
    return {"aggregates": [body(r, version) for r in HostAggregateViews(cloud.store).list()]}


@router.post("/os-aggregates", response_model=AggregateCreateShow)
def create(request: AggregateCreateRequest, cloud: CloudDep,
           caller: Annotated[Caller, rule("create")], version: ComputeVersion) -> dict[str, Any]:
    wanted = request.aggregate
    aggregate = cloud.aggregates.create(caller.ctx, wanted.name, wanted.availability_zone)
    return {"aggregate": body(current(cloud, aggregate.id), version, created=True)}


@router.get("/os-aggregates/{aggregate_id}", response_model=AggregateShow)
def show(aggregate_id: str, cloud: CloudDep, caller: Annotated[Caller, rule("show")],
         version: ComputeVersion) -> dict[str, Any]:
    return {"aggregate": body(found(cloud, aggregate_id), version)}


@router.put("/os-aggregates/{aggregate_id}", response_model=AggregateShow)
def update(aggregate_id: str, request: AggregateUpdateRequest, cloud: CloudDep,
           caller: Annotated[Caller, rule("update")], version: ComputeVersion) -> dict[str, Any]:
    wanted, row = request.aggregate, found(cloud, aggregate_id)
    aggregate = cloud.aggregates.update(
        caller.ctx, UUID(row["id"]), wanted.name, wanted.availability_zone,
        zone_given="availability_zone" in wanted.model_fields_set)
    return {"aggregate": body(current(cloud, aggregate.id), version)}


@router.delete("/os-aggregates/{aggregate_id}", response_class=Response)
def delete(aggregate_id: str, cloud: CloudDep, caller: Annotated[Caller, rule("delete")],
           version: ComputeVersion) -> Response:
    cloud.aggregates.delete(caller.ctx, UUID(found(cloud, aggregate_id)["id"]))
    caught_up(cloud)
    return Response(status_code=200)


@router.post("/os-aggregates/{aggregate_id}/action", response_model=AggregateShow)
def action(aggregate_id: str, request: AggregateAction, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    name = next(iter(request.model_fields_set))
    engine.enforce(f"os_compute_api:os-aggregates:{name}",
                   {"project_id": caller.project_id, "user_id": caller.user_id}, caller.creds)
    target = UUID(found(cloud, aggregate_id)["id"])
    if request.add_host is not None:
        cloud.aggregates.add_host(caller.ctx, target, request.add_host.host)
    elif request.remove_host is not None:
        cloud.aggregates.remove_host(caller.ctx, target, request.remove_host.host)
    elif request.set_metadata is not None:
        cloud.aggregates.set_metadata(caller.ctx, target, request.set_metadata.metadata)
    return {"aggregate": body(current(cloud, target), version)}


@router.post("/os-aggregates/{aggregate_id}/images", response_class=Response, status_code=202)
def images(aggregate_id: str, request: ImagesCacheRequest, cloud: CloudDep,
           caller: Annotated[Caller, Depends(Authorize("compute:aggregates:images"))],
           version: ComputeVersion) -> Response:
    """Nova 2.81: 202 and no body; the hosts cache the images after the answer."""
    if version < "2.81":
        raise NotFound("The resource could not be found.")
    if not aggregate_id.lstrip("-").isdigit():
        raise InvalidInput("Invalid input received: id must be an integer.")
    image_ids = [str(i.id) for i in request.cache]
    if len(set(image_ids)) != len(image_ids):
        raise InvalidInput("Duplicate images in request")
    target = UUID(found(cloud, aggregate_id)["id"])
    cloud.aggregates.cache_images(caller.ctx, target, image_ids)
    return Response(status_code=202)
