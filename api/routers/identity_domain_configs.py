"""Keystone's domain-specific configuration: `/domains/{domain_id}/config[/{group}[/{option}]]`
(PUT the whole, GET, PATCH and DELETE at each level) and Keystone's defaults at
`/domains/config[/{group}[/{option}]]/default` (domain/identity/domain_config.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict

from api.auth import Caller
from api.bodies.identity import NullRefused, Storable
from api.deps import Authorize, CloudDep, CloudServices
from domain.errors import InvalidInput, NotFound
from domain.identity.domain_config import DEFAULTS
from projections.domain_configs import DomainConfigViews

router = APIRouter(prefix="/identity/v3/domains", tags=["identity: domain configuration"])

RULES = [policy.RuleDefault("identity:domain_config", "rule:admin_api",
                            "Domain-specific configuration and its defaults")]

Admin = Annotated[Caller, Depends(Authorize("identity:domain_config"))]
CONFIG = "/{domain_id}/config"


class Groups(Storable, NullRefused):
    """Groups of options: the only groups a domain may configure, each a set of options."""
    model_config = ConfigDict(extra="forbid")
    identity: dict[str, Any] | None = None
    ldap: dict[str, Any] | None = None

    def given(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class Options(Storable, NullRefused):
    """Options of one group, by name (checked against the group's by the aggregate)."""
    model_config = ConfigDict(extra="allow")

    def given(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class GroupsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    config: Groups


class OptionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    config: Options


def default_group(group: str) -> dict[str, Any]:
    if group not in DEFAULTS:
        raise InvalidInput(f"Group {group} is not a domain configuration group.")
    return DEFAULTS[group]


def stored(cloud: CloudServices, domain_id: str) -> dict[str, Any]:
    cloud.identity.check_domain(domain_id)
    config = DomainConfigViews(cloud.store).config(domain_id)
    if config is None:
        raise NotFound(f"Could not find domain config for domain {domain_id}.")
    return config


def stored_group(cloud: CloudServices, domain_id: str, group: str) -> dict[str, Any]:
    config = stored(cloud, domain_id)
    if group not in config:
        raise NotFound(f"Could not find group {group} in the config of domain {domain_id}.")
    return dict(config[group])


# Keystone's defaults --------------------------------------------------------------------------
@router.get("/config/default")
def show_defaults(cloud: CloudDep, caller: Admin) -> dict[str, Any]:
    return {"config": DEFAULTS}


@router.get("/config/{group}/default")
def show_default_group(group: str, cloud: CloudDep, caller: Admin) -> dict[str, Any]:
    return {"config": {group: default_group(group)}}


@router.get("/config/{group}/{option}/default")
def show_default_option(group: str, option: str, cloud: CloudDep,
                        caller: Admin) -> dict[str, Any]:
    options = default_group(group)
    if option not in options:
        raise InvalidInput(f"Option {option} is not in domain configuration group {group}.")
    return {"config": {option: options[option]}}


# A domain's configuration -------------------------------------------------------------------
@router.put(CONFIG, status_code=201)
def create_config(domain_id: str, body: GroupsRequest, cloud: CloudDep, caller: Admin,
                  response: Response) -> dict[str, Any]:
    config, created = cloud.domain_configs.create(caller.ctx, domain_id,
                                                  body.config.given())
    response.status_code = 201 if created else 200
    return {"config": config}


@router.get(CONFIG)
def show_config(domain_id: str, cloud: CloudDep, caller: Admin) -> dict[str, Any]:
    return {"config": stored(cloud, domain_id)}


@router.patch(CONFIG)
def update_config(domain_id: str, body: GroupsRequest, cloud: CloudDep,
                  caller: Admin) -> dict[str, Any]:
    return {"config": cloud.domain_configs.update(caller.ctx, domain_id,
                                                  body.config.given())}


@router.delete(CONFIG, status_code=204)
def delete_config(domain_id: str, cloud: CloudDep, caller: Admin) -> Response:
    cloud.domain_configs.delete(caller.ctx, domain_id)
    return Response(status_code=204)


@router.get(CONFIG + "/{group}")
def show_group(domain_id: str, group: str, cloud: CloudDep, caller: Admin) -> dict[str, Any]:
    return {"config": {group: stored_group(cloud, domain_id, group)}}


@router.patch(CONFIG + "/{group}")
def update_group(domain_id: str, group: str, body: GroupsRequest, cloud: CloudDep,
                 caller: Admin) -> dict[str, Any]:
    changes = body.config.given()
    return {"config": cloud.domain_configs.update(caller.ctx, domain_id, changes, group)}


@router.delete(CONFIG + "/{group}", status_code=204)
def delete_group(domain_id: str, group: str, cloud: CloudDep, caller: Admin) -> Response:
    cloud.domain_configs.delete(caller.ctx, domain_id, group)
    return Response(status_code=204)


@router.get(CONFIG + "/{group}/{option}")
def show_option(domain_id: str, group: str, option: str, cloud: CloudDep,
                caller: Admin) -> dict[str, Any]:
    options = stored_group(cloud, domain_id, group)
    if option not in options:
        raise NotFound(f"Could not find option {option} in group {group} of the config of"
                       f" domain {domain_id}.")
    return {"config": {option: options[option]}}


@router.patch(CONFIG + "/{group}/{option}")
def update_option(domain_id: str, group: str, option: str, body: OptionRequest,
                  cloud: CloudDep, caller: Admin) -> dict[str, Any]:
    changes = {group: body.config.given()}
    return {"config": cloud.domain_configs.update(caller.ctx, domain_id, changes, group,
                                                  option)}


@router.delete(CONFIG + "/{group}/{option}", status_code=204)
def delete_option(domain_id: str, group: str, option: str, cloud: CloudDep,
                  caller: Admin) -> Response:
    cloud.domain_configs.delete(caller.ctx, domain_id, group, option)
    return Response(status_code=204)
