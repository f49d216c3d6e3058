"""Keystone's OS-OAUTH1 consumers: `/OS-OAUTH1/consumers[/{consumer_id}]` (create, list,
show, update, delete; admins). The delegation flow (request and access tokens) is not served."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from fastapi import APIRouter, Depends, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, model_validator

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
from domain.errors import NotFound
from projections.oauth_consumers import OAuthConsumerViews
from projections.store import Row

router = APIRouter(prefix="/identity/v3/OS-OAUTH1", tags=["identity: oauth1 consumers"])

RULES = [policy.RuleDefault("identity:oauth_consumers", "rule:admin_api",
                            "Keystone's OAuth1 consumers")]

Admin = Annotated[Caller, Depends(Authorize("identity:oauth_consumers"))]


class ConsumerCreate(KeystoneObject):
    description: Description | None = None


class ConsumerUpdate(KeystoneUpdate):
    nullable: ClassVar[frozenset[str]] = frozenset({"description"})
    description: Description | None = None

    @model_validator(mode="after")
    def secret_is_not_changed(self) -> ConsumerUpdate:
        if "secret" in (self.model_extra or {}):
            raise ValueError("secret: a consumer's secret cannot be changed")
        return self


class ConsumerCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    consumer: ConsumerCreate


class ConsumerUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    consumer: ConsumerUpdate


def consumer_body(cloud: CloudServices, row: Row) -> dict[str, Any]:
    return {**(row.get("extra") or {}), "id": row["id"], "description": row["description"],
            "links": {"self": f"{cloud.settings.public_url}{V3}/OS-OAUTH1/consumers/{row['id']}"}}


def saved(consumer: Any) -> Row:
    return {"id": consumer.id.hex, "description": consumer.description,
            "extra": dict(consumer.extra)}


@router.post("/consumers", status_code=201)
def create_consumer(body: ConsumerCreateRequest, cloud: CloudDep,
                    caller: Admin) -> dict[str, Any]:
    c = body.consumer
    consumer, secret = cloud.oauth_consumers.create(caller.ctx, c.description, c.extras())
    return {"consumer": {**consumer_body(cloud, saved(consumer)), "secret": secret}}


@router.get("/consumers")
def list_consumers(request: Request, cloud: CloudDep, caller: Admin) -> dict[str, Any]:
    rows = OAuthConsumerViews(cloud.store).consumers()
    return {"consumers": [consumer_body(cloud, r) for r in rows],
            "links": collection_links(self_url(request, cloud.settings.public_url))}


@router.get("/consumers/{consumer_id}")
def show_consumer(consumer_id: str, cloud: CloudDep, caller: Admin) -> dict[str, Any]:
    row = OAuthConsumerViews(cloud.store).consumer(consumer_id)
    if row is None:
        raise NotFound(f"Could not find consumer: {consumer_id}.")
    return {"consumer": consumer_body(cloud, row)}


@router.patch("/consumers/{consumer_id}")
def update_consumer(consumer_id: str, body: ConsumerUpdateRequest, cloud: CloudDep,
                    caller: Admin) -> dict[str, Any]:
    c = body.consumer
    changes = c.given("description")
    if c.extras():
        changes["extra"] = c.extras()
    return {"consumer": consumer_body(cloud, saved(cloud.oauth_consumers.update(
        caller.ctx, consumer_id, changes)))}


@router.delete("/consumers/{consumer_id}", status_code=204)
def delete_consumer(consumer_id: str, cloud: CloudDep, caller: Admin) -> Response:
    cloud.oauth_consumers.delete(caller.ctx, consumer_id)
    return Response(status_code=204)
