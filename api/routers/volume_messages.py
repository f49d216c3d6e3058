"""Block Storage `/volume/v3/{project_id}/messages` (3.3): Cinder's user messages, which say why
an asynchronous request failed (domain/storage/user_message.py). Listed and shown from the read
model, the caller's project's (every project's for an administrator, as Cinder's policy
lets it); deleted through the volume service. Below 3.3 the routes do not exist (404)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response
from oslo_policy import policy

from api.auth import Caller
from api.bodies.volumes import PREFIX, check_path_project, dashed
from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import Version, VolumeVersion
from domain.errors import NotFound
from projections.store import Row
from projections.user_messages import UserMessageViews

router = APIRouter(prefix=PREFIX, tags=["volume: messages"])

RULES = [
    policy.RuleDefault("message:get_all", "rule:admin_or_reader"),
    policy.RuleDefault("message:get", "rule:admin_or_reader"),
    policy.RuleDefault("message:delete", "rule:admin_or_member"),
]


def _since_3_3(version: Version) -> None:
    if version < "3.3":
        raise NotFound("The resource could not be found.")


def body(row: Row, base: str) -> dict[str, Any]:
    ident = str(dashed(row["id"]))
    href = f"{base}/volume/v3/{row['project_id']}/messages/{ident}"
    return {"id": ident, "event_id": row["event_id"], "user_message": row["user_message"],
            "message_level": row["message_level"], "created_at": row["created_at"],
            "guaranteed_until": row["expires_at"], "request_id": row["request_id"],
            "resource_type": row["resource_type"], "resource_uuid": row["resource_uuid"],
            "links": [{"href": href, "rel": "self"},
                      {"href": href.replace("/volume/v3/", "/volume/"), "rel": "bookmark"}]}


def _visible(views: UserMessageViews, caller: Caller, message_id: str) -> Row:
    try:
        key = UUID(message_id).hex
    except ValueError:
        key = ""
    row = views.get(key) if key else None
    if row is None or (row["project_id"] != caller.project_id and not caller.is_admin):
        raise NotFound(f"Message {message_id} could not be found.")
    return row


@router.get("/messages")
def index(project_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
          version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    _since_3_3(version)
    engine.enforce("message:get_all", {"project_id": caller.project_id}, caller.creds)
    rows = UserMessageViews(cloud.store).list(None if caller.is_admin else caller.project_id)
    return {"messages": [body(r, cloud.settings.public_url) for r in rows]}


@router.get("/messages/{message_id}")
def show(project_id: str, message_id: str, cloud: CloudDep, caller: CallerDep,
         engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    _since_3_3(version)
    row = _visible(UserMessageViews(cloud.store), caller, message_id)
    engine.enforce("message:get", {"project_id": row["project_id"]}, caller.creds)
    return {"message": body(row, cloud.settings.public_url)}


@router.delete("/messages/{message_id}", status_code=204)
def delete(project_id: str, message_id: str, cloud: CloudDep, caller: CallerDep,
           engine: PolicyDep, version: VolumeVersion) -> Response:
    check_path_project(project_id, caller)
    _since_3_3(version)
    row = _visible(UserMessageViews(cloud.store), caller, message_id)
    engine.enforce("message:delete", {"project_id": row["project_id"]}, caller.creds)
    cloud.volumes.delete_message(caller.ctx, row["id"])
    return Response(status_code=204)
