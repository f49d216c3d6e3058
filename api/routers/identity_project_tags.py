"""Keystone v3 project tags: `/projects/{project_id}/tags[/{tag}]` (a tag is a project attribute;
each change here is a project update)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from api.auth import Caller
from api.deps import Authorize, CallerDep, CloudDep, CloudServices, PolicyDep
from api.routers.identity_projects import Tag, Tags, existing_project
from domain.errors import InvalidInput, NotFound

router = APIRouter(prefix="/identity/v3", tags=["identity: project tags"])

RULES = [
    policy.RuleDefault("identity:list_project_tags",
                       "rule:admin_api or project_id:%(target.project.id)s"),
    policy.RuleDefault("identity:update_project_tags", "rule:admin_api"),
]

Updater = Annotated[Caller, Depends(Authorize("identity:update_project_tags"))]
MAX_TAGS = 80


class AllTags(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tags: Tags


def current_tags(cloud: CloudServices, project_id: str) -> list[str]:
    return list(existing_project(cloud, project_id).get("tags") or [])


def valid_tag(tag: str) -> str:
    try:
        return TypeAdapter(Tag).validate_python(tag)
    except ValidationError:
        raise InvalidInput(f"Invalid tag {tag!r}: 1 to 255 characters, no ',' or '/'.") from None


def save_tags(cloud: CloudServices, caller: Caller, project_id: str, tags: list[str]) -> None:
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"A project has at most {MAX_TAGS} tags.")
    cloud.identity.update_project(caller.ctx, project_id, {"tags": tags})


def readable(policy: Any, caller: Caller, project_id: str) -> None:
    policy.enforce("identity:list_project_tags", {"target.project.id": project_id}, caller.creds)


@router.get("/projects/{project_id}/tags")
def list_tags(project_id: str, cloud: CloudDep, caller: CallerDep,
              policy: PolicyDep) -> dict[str, Any]:
    readable(policy, caller, project_id)
    return {"tags": current_tags(cloud, project_id)}


@router.put("/projects/{project_id}/tags")
def replace_tags(project_id: str, body: AllTags, cloud: CloudDep,
                 caller: Updater) -> dict[str, Any]:
    current_tags(cloud, project_id)
    save_tags(cloud, caller, project_id, body.tags)
    return {"tags": body.tags}


@router.delete("/projects/{project_id}/tags", status_code=204)
def delete_all_tags(project_id: str, cloud: CloudDep, caller: Updater) -> Response:
    current_tags(cloud, project_id)
    save_tags(cloud, caller, project_id, [])
    return Response(status_code=204)


@router.head("/projects/{project_id}/tags/{tag}", status_code=204)
@router.get("/projects/{project_id}/tags/{tag}", status_code=204)
def check_tag(project_id: str, tag: str, cloud: CloudDep, caller: CallerDep,
              policy: PolicyDep) -> Response:
    readable(policy, caller, project_id)
    if tag not in current_tags(cloud, project_id):
        raise NotFound(f"Tag {tag} not found on project {project_id}.")
    return Response(status_code=204)


@router.put("/projects/{project_id}/tags/{tag}", status_code=201)
def add_tag(project_id: str, tag: str, cloud: CloudDep, caller: Updater) -> Response:
    # 201 and no body, as the API working group's tag guideline (and Keystone) answer.
    tags = current_tags(cloud, project_id)
    if valid_tag(tag) not in tags:
        tags.append(tag)
        save_tags(cloud, caller, project_id, tags)
    return Response(status_code=201)


@router.delete("/projects/{project_id}/tags/{tag}", status_code=204)
def delete_tag(project_id: str, tag: str, cloud: CloudDep, caller: Updater) -> Response:
    tags = current_tags(cloud, project_id)
    if tag not in tags:
        raise NotFound(f"Tag {tag} not found on project {project_id}.")
    save_tags(cloud, caller, project_id, [t for t in tags if t != tag])
    return Response(status_code=204)
