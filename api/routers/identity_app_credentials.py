"""Keystone v3 application credentials and access rules of a user:
`/users/{user_id}/application_credentials[/{id}]`, `/users/{user_id}/access_rules[/{id}]`.

A user manages their own; the secret is in the create response only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from oslo_policy import policy
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.auth import Caller
from api.bodies.identity import V3, KeystoneObject, collection_links, self_url
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.validation import Description, Name
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.services.identity.role_resolution import global_role_id
from projections.app_credentials import AppCredentialViews
from projections.identity import IdentityViews
from projections.store import Row

router = APIRouter(prefix="/identity/v3", tags=["identity: application credentials"])

RULES = [
    policy.RuleDefault("identity:manage_application_credentials",
                       "user_id:%(target.user.id)s",
                       "A user's own application credentials and access rules"),
    policy.RuleDefault("identity:read_application_credentials",
                       "rule:admin_api or user_id:%(target.user.id)s"),
]

Method = Annotated[str, Field(pattern=r"^(POST|GET|HEAD|PATCH|PUT|DELETE)$")]


class AccessRuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = None
    path: Annotated[str, Field(min_length=1, max_length=225)] | None = None
    method: Method | None = None
    service: Annotated[str, Field(min_length=1, max_length=64)] | None = None

    def spec(self) -> dict[str, str]:
        if self.id is not None:
            return {"id": self.id}
        if self.path is None or self.method is None or self.service is None:
            raise InvalidInput("An access rule names a path, a method and a service, or an id.")
        return {"service": self.service, "path": self.path, "method": self.method}


class RoleRef(BaseModel):
    id: str | None = None
    name: str | None = None


class AppCredentialCreate(KeystoneObject):
    name: Name
    description: Description | None = None
    secret: Annotated[str, Field(min_length=1, max_length=4096)] | None = None
    expires_at: datetime | None = None
    roles: list[RoleRef] | None = None
    unrestricted: StrictBool = False
    access_rules: list[AccessRuleSpec] | None = None


class AppCredentialCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    application_credential: AppCredentialCreate


def utc_iso(value: datetime) -> str:
    """Keystone shows an expiry as naive UTC with microseconds (what it was given, in UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat()


def credential_body(row: Row, base: str, views: IdentityViews) -> dict[str, Any]:
    roles = [views.role(ref) for ref in row["roles"]]
    rules = list(row.get("rule_rows", []))
    return {"id": row["id"], "name": row["name"], "description": row.get("description") or None,
            "user_id": row["user_id"], "project_id": row["project_id"],
            "expires_at": row.get("expires_at"), "unrestricted": bool(row["unrestricted"]),
            "roles": [{"id": r["id"], "name": r["name"], "domain_id": None}
                      for r in roles if r is not None],
            "access_rules": rules, "system": None,
            "links": {"self": f"{base}{V3}/users/{row['user_id']}/application_credentials/"
                              f"{row['id']}"}}


def with_rules(cloud: CloudServices, row: Row) -> Row:
    views = AppCredentialViews(cloud.store)
    rules = [views.rule(row["user_id"], r) for r in row["access_rules"]]
    return {**row, "rule_rows": [r for r in rules if r is not None]}


def allow(policy: Any, rule: str, user_id: str, caller: Caller) -> None:
    policy.enforce(rule, {"target.user.id": user_id}, caller.creds)


def requested_roles(refs: list[RoleRef] | None, caller: Caller, cloud: CloudServices) -> list[str]:
    """Role ids for the credential: those asked for, each one the caller's token holds (all
    of them when none are named)."""
    views, held = IdentityViews(cloud.store), list(caller.ctx.roles)
    if refs is None:  # from the write side: a role made a moment ago may not be read yet
        return [global_role_id(cloud.app, name) for name in held]
    ids = []
    for ref in refs:
        row = views.role(ref.id) if ref.id else views.role_named(ref.name or "")
        if row is None or row["name"] not in held or row.get("domain_id") is not None:
            raise NotFound(f"Could not find role assignment for role {ref.id or ref.name} "
                           "on the token's project.")
        ids.append(row["id"])
    return ids


@router.post("/users/{user_id}/application_credentials", status_code=201)
def create_credential(user_id: str, body: AppCredentialCreateRequest, cloud: CloudDep,
                      caller: CallerDep, policy: PolicyDep) -> dict[str, Any]:
    allow(policy, "identity:manage_application_credentials", user_id, caller)
    if caller.claims.app_cred_id is not None:
        current = cloud.app_credentials.credential(caller.user_id, caller.claims.app_cred_id)
        if not current.unrestricted:
            raise Forbidden("A restricted application credential cannot make another.")
    if caller.claims.trust_id is not None:
        raise Forbidden("Application credentials cannot be made with a trust-scoped token.")
    if caller.project_id is None:
        raise InvalidInput("Application credentials are made with a project-scoped token.")
    a = body.application_credential
    credential, secret = cloud.app_credentials.create(
        caller.ctx, user_id, caller.project_id, a.name, requested_roles(a.roles, caller, cloud),
        a.description or "", a.secret, utc_iso(a.expires_at) if a.expires_at else None,
        a.unrestricted, [r.spec() for r in a.access_rules or []])
    row = {"id": credential.id.hex, "user_id": user_id, "project_id": credential.project_id,
           "name": credential.name, "description": credential.description,
           "expires_at": credential.expires_at, "unrestricted": credential.unrestricted,
           "roles": credential.roles,
           **cloud.app_credentials.body_fields(credential)}
    body_out = credential_body({**row, "rule_rows": row["access_rules"]},
                               cloud.settings.public_url, IdentityViews(cloud.store))
    return {"application_credential": {**body_out, "secret": secret}}


@router.get("/users/{user_id}/application_credentials")
def list_credentials(user_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                     policy: PolicyDep, name: str | None = None) -> dict[str, Any]:
    allow(policy, "identity:read_application_credentials", user_id, caller)
    base, views = cloud.settings.public_url, IdentityViews(cloud.store)
    rows = AppCredentialViews(cloud.store).credentials(user_id, name)
    return {"application_credentials": [credential_body(with_rules(cloud, r), base, views)
                                        for r in rows],
            "links": collection_links(self_url(request, base))}


@router.get("/users/{user_id}/application_credentials/{app_credential_id}")
def show_credential(user_id: str, app_credential_id: str, cloud: CloudDep, caller: CallerDep,
                    policy: PolicyDep) -> dict[str, Any]:
    allow(policy, "identity:read_application_credentials", user_id, caller)
    row = AppCredentialViews(cloud.store).credential(user_id, app_credential_id)
    if row is None:
        raise NotFound(f"Could not find application credential: {app_credential_id}.")
    return {"application_credential": credential_body(
        with_rules(cloud, row), cloud.settings.public_url, IdentityViews(cloud.store))}


@router.delete("/users/{user_id}/application_credentials/{app_credential_id}", status_code=204)
def delete_credential(user_id: str, app_credential_id: str, cloud: CloudDep, caller: CallerDep,
                      policy: PolicyDep) -> Response:
    allow(policy, "identity:manage_application_credentials", user_id, caller)
    cloud.app_credentials.delete(caller.ctx, user_id, app_credential_id)
    return Response(status_code=204)


# Access rules ------------------------------------------------------------------------------------
def rule_body(row: Row, base: str, user_id: str) -> dict[str, Any]:
    return {**row, "links": {"self": f"{base}{V3}/users/{user_id}/access_rules/{row['id']}"}}


@router.get("/users/{user_id}/access_rules")
def list_access_rules(user_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                      policy: PolicyDep) -> dict[str, Any]:
    allow(policy, "identity:read_application_credentials", user_id, caller)
    base = cloud.settings.public_url
    rows = AppCredentialViews(cloud.store).rules(user_id)
    return {"access_rules": [rule_body(r, base, user_id) for r in rows],
            "links": collection_links(self_url(request, base))}


@router.get("/users/{user_id}/access_rules/{rule_id}")
def show_access_rule(user_id: str, rule_id: str, cloud: CloudDep, caller: CallerDep,
                     policy: PolicyDep) -> dict[str, Any]:
    allow(policy, "identity:read_application_credentials", user_id, caller)
    row = AppCredentialViews(cloud.store).rule(user_id, rule_id)
    if row is None:
        raise NotFound(f"Could not find access rule: {rule_id}.")
    return {"access_rule": rule_body(row, cloud.settings.public_url, user_id)}


@router.delete("/users/{user_id}/access_rules/{rule_id}", status_code=204)
def delete_access_rule(user_id: str, rule_id: str, cloud: CloudDep, caller: CallerDep,
                       policy: PolicyDep) -> Response:
    allow(policy, "identity:manage_application_credentials", user_id, caller)
    cloud.app_credentials.delete_access_rule(caller.ctx, user_id, rule_id)
    return Response(status_code=204)

