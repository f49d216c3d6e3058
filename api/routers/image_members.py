"""Image v2 `/images/{id}/members`: sharing an image with other projects (Glance's API).

The owner offers a `shared` image to a project (`pending`); that project accepts or rejects it,
and an accepted image joins its default image list. The owner sees every member, a member only
itself; the rules are the aggregate's (domain/catalog/image_members.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from starlette.concurrency import run_in_threadpool

from api.auth import Caller
from api.deps import CallerDep, CloudDep, PolicyDep
from api.image_access import authorize_change, image_uuid, json_body, shown
from domain.catalog.image_members import MEMBER_STATUSES
from domain.errors import Forbidden, InvalidInput, NotFound
from projections.images import ImageViews
from projections.store import Row

router = APIRouter(prefix="/image/v2", tags=["image"])

RULES = [
    policy.RuleDefault("get_members", "rule:any_reader", "List an image's members"),
    policy.RuleDefault("get_member", "rule:any_reader", "Show an image member"),
    policy.RuleDefault("add_member", "rule:admin_or_member", "Share an image (target: owner)"),
    policy.RuleDefault("delete_member", "rule:admin_or_member", "Stop sharing (target: owner)"),
    policy.RuleDefault("modify_member", "rule:admin_api or (role:member and"
                       " project_id:%(member_id)s)", "Accept or reject a shared image"),
]


def member_body(row: Row) -> dict[str, Any]:
    return {"image_id": str(image_uuid(row["image_id"])), "member_id": row["member_id"],
            "status": row["status"], "created_at": row["created_at"],
            "updated_at": row["updated_at"], "schema": "/v2/schemas/member"}


def sees_all(caller: Caller, row: Row) -> bool:
    return caller.is_admin or row["owner"] == caller.project_id


def shared_only(row: Row) -> None:
    if row["visibility"] != "shared":
        raise Forbidden(f"Image {image_uuid(row['id'])} is not shared: only shared images "
                        "have members.")


def field(body: Any, name: str) -> str:
    if not isinstance(body, dict) or not isinstance(body.get(name), str) or not body[name]:
        raise InvalidInput(f"The request body must be an object with a string '{name}'.")
    return str(body[name])


def fresh_member(cloud: CloudDep, image_id: str, member_id: str) -> dict[str, Any]:
    cloud.catch_up_for_reads()
    row = ImageViews(cloud.store).member(image_id, member_id)
    if row is None:
        raise NotFound(f"Member {member_id} not found for image {image_uuid(image_id)}")
    return member_body(row)


@router.get("/images/{image_id}/members")
def index(image_id: str, cloud: CloudDep, caller: CallerDep, policy: PolicyDep) -> dict[str, Any]:
    row = shown(cloud, caller, policy, "get_members", image_id)
    shared_only(row)
    rows = ImageViews(cloud.store).members(row["id"])
    if not sees_all(caller, row):
        rows = [r for r in rows if r["member_id"] == caller.project_id]
    return {"members": [member_body(r) for r in rows], "schema": "/v2/schemas/members"}


@router.get("/images/{image_id}/members/{member_id}")
def show(image_id: str, member_id: str, cloud: CloudDep, caller: CallerDep,
         policy: PolicyDep) -> dict[str, Any]:
    row = shown(cloud, caller, policy, "get_member", image_id)
    member = ImageViews(cloud.store).member(row["id"], member_id)
    if member is None or not (sees_all(caller, row) or member_id == caller.project_id):
        raise NotFound(f"Member {member_id} not found for image {image_id}")
    return member_body(member)


@router.post("/images/{image_id}/members")
async def create(image_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                 policy: PolicyDep) -> dict[str, Any]:
    member_id = field(await json_body(request, ("application/json",)), "member")
    image = await run_in_threadpool(authorize_change, cloud, caller, policy, "add_member",
                                    image_id)
    await run_in_threadpool(cloud.image_sharing.add_member, caller.ctx, image.id, member_id)
    return await run_in_threadpool(fresh_member, cloud, image.id.hex, member_id)


@router.put("/images/{image_id}/members/{member_id}")
async def update(image_id: str, member_id: str, request: Request, cloud: CloudDep,
                 caller: CallerDep, policy: PolicyDep) -> dict[str, Any]:
    status = field(await json_body(request, ("application/json",)), "status")
    image = await run_in_threadpool(cloud.images.get, caller.ctx, image_uuid(image_id))
    policy.enforce("modify_member", {"project_id": image.owner, "member_id": member_id},
                   caller.creds)
    await run_in_threadpool(cloud.image_sharing.answer, caller.ctx, image.id, member_id, status)
    return await run_in_threadpool(fresh_member, cloud, image.id.hex, member_id)


@router.delete("/images/{image_id}/members/{member_id}", status_code=204)
def delete(image_id: str, member_id: str, cloud: CloudDep, caller: CallerDep,
           policy: PolicyDep) -> Response:
    image = authorize_change(cloud, caller, policy, "delete_member", image_id)
    cloud.image_sharing.remove_member(caller.ctx, image.id, member_id)
    return Response(status_code=204)


def member_schema() -> dict[str, Any]:
    string = {"type": "string"}
    return {"name": "member", "properties": {
        "created_at": {**string, "description": "Date and time of image member creation"},
        "image_id": {**string, "description": "An identifier for the image",
                     "pattern": "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}"
                                "-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"},
        "member_id": {**string, "description": "An identifier for the image member (tenantId)"},
        "schema": {**string, "readOnly": True},
        "status": {**string, "description": "The status of this image member",
                   "enum": list(MEMBER_STATUSES)},
        "updated_at": {**string, "description": "Date and time of last modification"},
    }}


@router.get("/schemas/member")
def schema_member(caller: CallerDep) -> dict[str, Any]:
    return member_schema()


@router.get("/schemas/members")
def schema_members(caller: CallerDep) -> dict[str, Any]:
    return {"name": "members", "properties": {
        "members": {"type": "array", "items": member_schema()},
        "schema": {"type": "string"}},
        "links": [{"rel": "describedby", "href": "{schema}"}]}
