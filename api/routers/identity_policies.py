"""Keystone v3 `/policies`: opaque policy blobs kept for the clients that store them (admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.bodies.identity import (
    V3,
    KeystoneObject,
    KeystoneUpdate,
    collection_links,
    self_url,
)
from api.deps import Authorize, CloudDep, CloudServices
from domain.errors import NotFound
from projections.policy_blobs import PolicyBlobViews
from projections.store import Row

router = APIRouter(prefix="/identity/v3", tags=["identity: policies"])

RULES = [policy.RuleDefault("identity:policies", "rule:admin_api", "Keystone's policy blobs")]

Admin = Annotated[Caller, Depends(Authorize("identity:policies"))]
Blob = Annotated[str, Field(min_length=1, max_length=65535)]
Type = Annotated[str, Field(min_length=1, max_length=255)]


class PolicyCreate(KeystoneObject):
    blob: Blob
    type: Type


class PolicyUpdate(KeystoneUpdate):
    blob: Blob | None = None
    type: Type | None = None


class PolicyCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy: PolicyCreate


class PolicyUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy: PolicyUpdate


def policy_body(cloud: CloudServices, row: Row) -> dict[str, Any]:
    return {**(row.get("extra") or {}), "id": row["id"], "blob": row["blob"],
            "type": row["type"],
            "links": {"self": f"{cloud.settings.public_url}{V3}/policies/{row['id']}"}}


def saved(policy_blob: Any) -> Row:
    return {"id": policy_blob.id.hex, "blob": policy_blob.blob, "type": policy_blob.type,
            "extra": dict(policy_blob.extra)}


@router.post("/policies", status_code=201)
def create_policy(body: PolicyCreateRequest, cloud: CloudDep, caller: Admin) -> dict[str, Any]:
    p = body.policy
    return {"policy": policy_body(cloud, saved(cloud.policy_blobs.create(
        caller.ctx, p.blob, p.type, p.extras())))}


@router.get("/policies")
def list_policies(request: Request, cloud: CloudDep, caller: Admin,
                  type: str | None = None) -> dict[str, Any]:  # noqa: A002
    rows = PolicyBlobViews(cloud.store).policies(type)
    return {"policies": [policy_body(cloud, r) for r in rows],
            "links": collection_links(self_url(request, cloud.settings.public_url))}


@router.get("/policies/{policy_id}")
def show_policy(policy_id: str, cloud: CloudDep, caller: Admin) -> dict[str, Any]:
    row = PolicyBlobViews(cloud.store).policy(policy_id)
    if row is None:
        raise NotFound(f"Could not find policy: {policy_id}.")
    return {"policy": policy_body(cloud, row)}


@router.patch("/policies/{policy_id}")
def update_policy(policy_id: str, body: PolicyUpdateRequest, cloud: CloudDep,
                  caller: Admin) -> dict[str, Any]:
    p = body.policy
    changes = p.given("blob", "type")
    if p.extras():
        changes["extra"] = p.extras()
    return {"policy": policy_body(cloud, saved(cloud.policy_blobs.update(
        caller.ctx, policy_id, changes)))}


@router.delete("/policies/{policy_id}", status_code=204)
def delete_policy(policy_id: str, cloud: CloudDep, caller: Admin) -> Response:
    cloud.policy_blobs.delete(caller.ctx, policy_id)
    return Response(status_code=204)
