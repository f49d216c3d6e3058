"""Keystone's project, user, role, domain and token bodies. Keystone returns the attributes it
does not know beside its own, so its resources are open (`OpenBody`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.responses.base import MISSING, Body, OpenBody, one_of


class SelfLink(Body):
    self: str


class CollectionLinks(Body):
    self: str
    previous: str | None
    next: str | None


class Project(OpenBody):
    id: str
    name: str
    domain_id: str | None  # None for a project acting as a domain
    description: str
    enabled: bool
    is_domain: bool
    parent_id: str | None
    tags: list[str]
    options: dict[str, Any]
    links: SelfLink


class User(OpenBody):
    id: str
    name: str
    domain_id: str
    enabled: bool
    password_expires_at: str | None
    options: dict[str, Any]
    links: SelfLink
    default_project_id: str = MISSING  # type: ignore[assignment]
    email: str = MISSING  # type: ignore[assignment]
    description: str = MISSING  # type: ignore[assignment]


class Role(OpenBody):
    id: str
    name: str
    domain_id: str | None
    description: str | None
    options: dict[str, Any]
    links: SelfLink


class Domain(OpenBody):
    id: str
    name: str
    description: str
    enabled: bool
    tags: list[str]
    options: dict[str, Any]
    links: SelfLink


class Group(OpenBody):
    id: str
    name: str
    domain_id: str
    description: str
    links: SelfLink


class GroupShow(Body):
    group: Group


class GroupList(Body):
    groups: list[Group]
    links: CollectionLinks


class ProjectShow(Body):
    project: Project


class ProjectList(Body):
    projects: list[Project]
    links: CollectionLinks


class UserShow(Body):
    user: User


class UserList(Body):
    users: list[User]
    links: CollectionLinks


class RoleShow(Body):
    role: Role


class RoleList(Body):
    roles: list[Role]
    links: CollectionLinks


class DomainShow(Body):
    domain: Domain


class DomainList(Body):
    domains: list[Domain]
    links: CollectionLinks


# -- tokens ------------------------------------------------------------------------------------

class Named(Body):
    id: str
    name: str


class Endpoint(Body):
    id: str
    interface: one_of(["public", "internal", "admin"])  # type: ignore[valid-type]
    region: str
    region_id: str
    url: str


class CatalogService(Body):
    type: str
    name: str
    id: str
    endpoints: list[Endpoint]


class TokenUser(Body):
    id: str
    name: str
    domain: Named
    password_expires_at: str | None = MISSING  # type: ignore[assignment]


class TokenProject(Body):
    id: str
    name: str
    domain: Named


class TokenAppCredential(Body):
    id: str
    name: str
    restricted: bool


class TokenTrustUser(Body):
    id: str


class TokenTrust(Body):
    id: str
    impersonation: bool
    trustor_user: TokenTrustUser
    trustee_user: TokenTrustUser


class UnscopedToken(Body):
    methods: list[str]
    user: TokenUser
    audit_ids: list[str]
    issued_at: str
    expires_at: str
    catalog: list[CatalogService] = MISSING  # type: ignore[assignment]  # not with ?nocatalog
    application_credential: TokenAppCredential = MISSING  # type: ignore[assignment]
    # A trust-scoped token names its trust.
    trust: TokenTrust = Field(MISSING, alias="OS-TRUST:trust")  # type: ignore[assignment]


class ProjectToken(UnscopedToken):
    """A project-scoped token names the roles the user has there."""

    project: TokenProject
    is_domain: bool
    roles: list[Named]


class SystemScope(Body):
    all: bool


class SystemToken(UnscopedToken):
    """A system-scoped token names the roles the user has on the system."""

    system: SystemScope
    roles: list[Named]


class TokenShow(Body):
    token: ProjectToken | SystemToken | UnscopedToken


class Catalog(Body):
    catalog: list[CatalogService]
    links: SelfLink
