"""Keystone v3 projects and domains: CRUD for admins, a user's own projects, the one domain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from oslo_policy import policy
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
)

from api.auth import Caller
from api.bodies.identity import (
    IdString,
    KeystoneObject,
    KeystoneUpdate,
    Options,
    collection_links,
    domain_row,
    flag,
    project_body,
    project_row,
    self_url,
)
from api.deps import Authorize, CallerDep, CloudDep, CloudServices, PolicyDep
from api.identity_domain_projects import (
    create_domain_project,
    domain_acting_as_project,
    domain_project_body,
    domain_projects,
)
from api.responses.identity import ProjectList, ProjectShow
from api.validation import Description, Name
from domain.errors import InvalidInput, NotFound
from domain.identity.changes import DEFAULT_DOMAIN_ID
from projections.identity import IdentityViews
from projections.identity_domain_queries import DomainGroupViews
from projections.store import Row

router = APIRouter(prefix="/identity/v3", tags=["identity: projects"])

RULES = [
    policy.RuleDefault("identity:list_projects", "rule:admin_api", "List all projects"),
    policy.RuleDefault("identity:get_project",
                       "rule:admin_api or project_id:%(target.project.id)s",
                       "Show a project: admins, or anyone whose token is scoped to it"),
    policy.RuleDefault("identity:create_project", "rule:admin_api"),
    policy.RuleDefault("identity:update_project", "rule:admin_api"),
    policy.RuleDefault("identity:delete_project", "rule:admin_api"),
    policy.RuleDefault("identity:list_user_projects",
                       "rule:admin_api or user_id:%(target.user.id)s",
                       "The projects a user has a role on: admins, or the user themself"),
    policy.RuleDefault("identity:get_auth_projects", "@",
                       "The projects the token's own user may scope to"),
]

# Keystone limits project names to 64 characters (user and role names may have 255).
ProjectName = Annotated[Name, Field(max_length=64)]
Tag = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^,/]*$")]


def _unique(tags: list[str]) -> list[str]:
    if len(set(tags)) != len(tags):
        raise ValueError("tags must be unique")
    return tags


Tags = Annotated[list[Tag], Field(max_length=80), AfterValidator(_unique)]


class ProjectCreate(KeystoneObject):
    name: ProjectName
    description: Description | None = None
    enabled: StrictBool = True
    tags: Tags = []
    options: Options = {}
    domain_id: IdString | None = None
    is_domain: StrictBool = False
    parent_id: IdString | None = None


class ProjectUpdate(KeystoneUpdate):
    nullable = frozenset({"description", "domain_id", "parent_id", "id"})
    name: ProjectName | None = None
    description: Description | None = None
    enabled: StrictBool | None = None
    tags: Tags | None = None
    options: Options | None = None
    domain_id: IdString | None = None
    is_domain: StrictBool | None = None
    parent_id: IdString | None = None
    id: str | None = None


class ProjectCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project: ProjectCreate


class ProjectUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project: ProjectUpdate


Lister = Annotated[Caller, Depends(Authorize("identity:list_projects"))]
Creator = Annotated[Caller, Depends(Authorize("identity:create_project"))]
Updater = Annotated[Caller, Depends(Authorize("identity:update_project"))]
Deleter = Annotated[Caller, Depends(Authorize("identity:delete_project"))]
AuthProjects = Annotated[Caller, Depends(Authorize("identity:get_auth_projects"))]


def placement(cloud: CloudServices, domain_id: str | None,
              parent_id: str | None) -> tuple[str, str | None]:
    """(domain id, parent project id or None) of a new project. A parent that is a domain
    means the top level; a parent project gives its domain when none is named."""
    if parent_id is None or parent_id == (domain_id or DEFAULT_DOMAIN_ID):
        return domain_id or DEFAULT_DOMAIN_ID, None
    parent = IdentityViews(cloud.store).project(parent_id)
    if parent is None:
        raise NotFound(f"Could not find project: {parent_id}.")
    return domain_id or parent["domain_id"], parent_id


def projects_body(cloud: CloudServices, request: Request, rows: list[Row]) -> dict[str, Any]:
    base = cloud.settings.public_url
    return {"projects": [project_body(r, base) for r in rows],
            "links": collection_links(self_url(request, base))}


@router.get("/projects", response_model=ProjectList)
def list_projects(request: Request, cloud: CloudDep, caller: Lister, name: str | None = None,
                  domain_id: str | None = None, enabled: str | None = None,
                  parent_id: str | None = None, is_domain: str | None = None) -> dict[str, Any]:
    if flag(is_domain, "is_domain"):
        base = cloud.settings.public_url
        rows = domain_projects(cloud, name, domain_id, flag(enabled, "enabled"), parent_id)
        return {"projects": [domain_project_body(r, base) for r in rows],
                "links": collection_links(self_url(request, base))}
    rows = IdentityViews(cloud.store).projects(name, domain_id, flag(enabled, "enabled"),
                                               parent_id)
    return projects_body(cloud, request, rows)


@router.post("/projects", status_code=201, response_model=ProjectShow)
def create_project(body: ProjectCreateRequest, cloud: CloudDep, caller: Creator) -> dict[str, Any]:
    p = body.project
    if p.is_domain:
        domain = create_domain_project(cloud, caller.ctx, p.name, p.description or "",
                                       p.enabled, p.tags, p.extras(), p.domain_id, p.parent_id)
        return {"project": domain_project_body(domain_row(domain), cloud.settings.public_url)}
    domain_id, parent_id = placement(cloud, p.domain_id, p.parent_id)
    project = cloud.identity.create_project(
        caller.ctx, p.name, domain_id, description=p.description or "", enabled=p.enabled,
        tags=p.tags, extra=p.extras(), parent_id=parent_id)
    return {"project": project_body(project_row(project), cloud.settings.public_url)}


def existing_project(cloud: CloudServices, project_id: str) -> Row:
    row = IdentityViews(cloud.store).project(project_id)
    if row is None:
        raise NotFound(f"Could not find project: {project_id}.")
    return row


@router.get("/projects/{project_id}", response_model=ProjectShow)
def show_project(project_id: str, cloud: CloudDep, caller: CallerDep,
                 policy: PolicyDep) -> dict[str, Any]:
    # Policy before lookup, so a non-admin cannot learn which ids exist.
    policy.enforce("identity:get_project", {"target.project.id": project_id}, caller.creds)
    base = cloud.settings.public_url
    if (domain := domain_acting_as_project(cloud, project_id)) is not None:
        return {"project": domain_project_body(domain, base)}
    return {"project": project_body(existing_project(cloud, project_id), base)}


@router.patch("/projects/{project_id}", response_model=ProjectShow)
def update_project(project_id: str, body: ProjectUpdateRequest, cloud: CloudDep,
                   caller: Updater) -> dict[str, Any]:
    p = body.project
    if domain_acting_as_project(cloud, project_id) is not None:
        return update_domain_project(project_id, p, cloud, caller)
    current = existing_project(cloud, project_id)
    if p.id is not None and p.id != project_id:
        raise InvalidInput("Cannot change the id of a project.")
    if p.domain_id is not None and p.domain_id != current["domain_id"]:
        raise InvalidInput("Update of `domain_id` is not allowed.")
    if p.is_domain:
        raise InvalidInput("Projects acting as domains are not supported.")
    if p.parent_id is not None and p.parent_id != (current["parent_id"] or current["domain_id"]):
        raise InvalidInput("Update of `parent_id` is not allowed.")
    changes = p.given("name", "enabled", "tags")
    if "description" in p.model_fields_set:
        changes["description"] = p.description or ""
    if p.extras():
        changes["extra"] = p.extras()
    project = cloud.identity.update_project(caller.ctx, project_id, changes)
    return {"project": project_body(project_row(project), cloud.settings.public_url)}


def update_domain_project(domain_id: str, p: ProjectUpdate, cloud: CloudServices,
                          caller: Caller) -> dict[str, Any]:
    """PATCH of a project acting as a domain: the domain's own attributes only."""
    if p.id is not None and p.id != domain_id:
        raise InvalidInput("Cannot change the id of a project.")
    if p.is_domain is False or p.domain_id is not None or p.parent_id is not None:
        raise InvalidInput("A project acting as a domain keeps is_domain, and has neither a "
                           "domain nor a parent.")
    changes = p.given("name", "enabled", "tags")
    if "description" in p.model_fields_set:
        changes["description"] = p.description or ""
    if p.extras():
        changes["extra"] = p.extras()
    domain = cloud.domains.update_domain(caller.ctx, domain_id, changes)
    return {"project": domain_project_body(domain_row(domain), cloud.settings.public_url)}


@router.delete("/projects/{project_id}", status_code=204)
def delete_project(project_id: str, cloud: CloudDep, caller: Deleter) -> Response:
    if domain_acting_as_project(cloud, project_id) is not None:
        contents = DomainGroupViews(cloud.store).contents(project_id)
        cloud.domains.delete_domain(caller.ctx, project_id, contents)
        return Response(status_code=204)
    members = IdentityViews(cloud.store).members_of(project_id)
    cloud.identity.delete_project(caller.ctx, project_id, members)
    return Response(status_code=204)


@router.get("/users/{user_id}/projects", response_model=ProjectList)
def user_projects(user_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                  policy: PolicyDep) -> dict[str, Any]:
    policy.enforce("identity:list_user_projects", {"target.user.id": user_id}, caller.creds)
    views = IdentityViews(cloud.store)
    if views.user(user_id) is None:
        raise NotFound(f"Could not find user: {user_id}.")
    return projects_body(cloud, request, views.projects_of_user(user_id))


@router.get("/auth/projects", response_model=ProjectList)
def auth_projects(request: Request, cloud: CloudDep, caller: AuthProjects) -> dict[str, Any]:
    # keystoneauth picks a project to scope to from here, so disabled ones are left out.
    rows = IdentityViews(cloud.store).projects_of_user(caller.user_id, enabled_only=True)
    return projects_body(cloud, request, rows)
