"""Keystone v3 domains: the built-in `default` one and those admins create; deleting one (it must
be disabled first, 403 otherwise, as Keystone) deletes the projects, users and groups in it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.auth import Caller
from api.bodies.identity import (
    KeystoneObject,
    KeystoneUpdate,
    Options,
    collection_links,
    domain_body,
    domain_row,
    flag,
    self_url,
)
from api.deps import Authorize, CallerDep, CloudDep, CloudServices, PolicyDep
from api.responses.identity import DomainList, DomainShow
from api.routers.identity_projects import Tags
from api.validation import Description, Name
from domain.errors import InvalidInput, NotFound
from projections.identity_domain_queries import DomainGroupViews
from projections.store import Row

router = APIRouter(prefix="/identity/v3", tags=["identity: domains"])

RULES = [
    policy.RuleDefault("identity:list_domains", "rule:admin_api"),
    # A token scoped to a project may read the project's domain.
    policy.RuleDefault("identity:get_domain",
                       "rule:admin_api or token.project.domain.id:%(target.domain.id)s"),
    policy.RuleDefault("identity:create_domain", "rule:admin_api"),
    policy.RuleDefault("identity:update_domain", "rule:admin_api"),
    policy.RuleDefault("identity:delete_domain", "rule:admin_api"),
]

# Keystone limits domain names to 64 characters.
DomainName = Annotated[Name, Field(max_length=64)]


class DomainCreate(KeystoneObject):
    name: DomainName
    description: Description | None = None
    enabled: StrictBool = True
    tags: Tags = []
    options: Options = {}


class DomainUpdate(KeystoneUpdate):
    nullable = frozenset({"description", "id"})
    name: DomainName | None = None
    description: Description | None = None
    enabled: StrictBool | None = None
    tags: Tags | None = None
    options: Options | None = None
    id: str | None = None


class DomainCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    domain: DomainCreate


class DomainUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    domain: DomainUpdate


Lister = Annotated[Caller, Depends(Authorize("identity:list_domains"))]
Creator = Annotated[Caller, Depends(Authorize("identity:create_domain"))]
Updater = Annotated[Caller, Depends(Authorize("identity:update_domain"))]
Deleter = Annotated[Caller, Depends(Authorize("identity:delete_domain"))]


def existing_domain(cloud: CloudServices, domain_id: str) -> Row:
    row = DomainGroupViews(cloud.store).domain(domain_id)
    if row is None:
        raise NotFound(f"Could not find domain: {domain_id}.")
    return row


@router.get("/domains", response_model=DomainList)
def list_domains(request: Request, cloud: CloudDep, caller: Lister, name: str | None = None,
                 enabled: str | None = None) -> dict[str, Any]:
    base = cloud.settings.public_url
    rows = DomainGroupViews(cloud.store).domains(name, flag(enabled, "enabled"))
    return {"domains": [domain_body(r, base) for r in rows],
            "links": collection_links(self_url(request, base))}


@router.post("/domains", status_code=201, response_model=DomainShow)
def create_domain(body: DomainCreateRequest, cloud: CloudDep, caller: Creator) -> dict[str, Any]:
    d = body.domain
    domain = cloud.domains.create_domain(caller.ctx, d.name, d.description or "", d.enabled,
                                         d.tags, d.extras())
    return {"domain": domain_body(domain_row(domain), cloud.settings.public_url)}


@router.get("/domains/{domain_id}", response_model=DomainShow)
def show_domain(domain_id: str, cloud: CloudDep, caller: CallerDep,
                policy: PolicyDep) -> dict[str, Any]:
    project = cloud.identity.project(caller.project_id) if caller.project_id else None
    creds = {**caller.creds,
             "token": {"project": {"domain": {"id": project.domain_id if project else None}}}}
    policy.enforce("identity:get_domain", {"target.domain.id": domain_id}, creds)
    return {"domain": domain_body(existing_domain(cloud, domain_id), cloud.settings.public_url)}


@router.patch("/domains/{domain_id}", response_model=DomainShow)
def update_domain(domain_id: str, body: DomainUpdateRequest, cloud: CloudDep,
                  caller: Updater) -> dict[str, Any]:
    d = body.domain
    existing_domain(cloud, domain_id)
    if d.id is not None and d.id != domain_id:
        raise InvalidInput("Cannot change the id of a domain.")
    changes = d.given("name", "enabled", "tags")
    if "description" in d.model_fields_set:
        changes["description"] = d.description or ""
    if d.extras():
        changes["extra"] = d.extras()
    domain = cloud.domains.update_domain(caller.ctx, domain_id, changes)
    return {"domain": domain_body(domain_row(domain), cloud.settings.public_url)}


@router.delete("/domains/{domain_id}", status_code=204)
def delete_domain(domain_id: str, cloud: CloudDep, caller: Deleter) -> Response:
    contents = DomainGroupViews(cloud.store).contents(domain_id)
    cloud.domains.delete_domain(caller.ctx, domain_id, contents)
    return Response(status_code=204)
