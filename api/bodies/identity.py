"""Keystone shapes shared by the identity routers: the bodies they answer (users, projects, roles,
domains, role assignments, tokens) and the request fields and query flags they accept.

Bodies are built from read-model rows; `*_row` turns a just-saved aggregate into the same row
shape, so a create or update can answer before the read model has caught up.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Self

from fastapi import Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from domain.errors import InvalidInput

DEFAULT_DOMAIN = {"id": "default", "name": "Default"}
V3 = "/identity/v3"


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def collection_links(self_url: str) -> dict[str, Any]:
    return {"self": self_url, "previous": None, "next": None}


def project_body(row: dict[str, Any], base: str) -> dict[str, Any]:
    # Keystone returns the attributes it does not know beside its own; its own always win.
    return {**(row.get("extra") or {}),
            "id": row["id"], "name": row["name"], "domain_id": row["domain_id"],
            "description": row.get("description") or "", "enabled": bool(row["enabled"]),
            "is_domain": False, "parent_id": row.get("parent_id") or row["domain_id"],
            "tags": list(row.get("tags") or []),
            "options": {}, "links": {"self": f"{base}{V3}/projects/{row['id']}"}}


def user_body(row: dict[str, Any], base: str) -> dict[str, Any]:
    body = {**(row.get("extra") or {}),
            "id": row["id"], "name": row["name"], "domain_id": row["domain_id"],
            "enabled": bool(row["enabled"]), "password_expires_at": None, "options": {},
            "links": {"self": f"{base}{V3}/users/{row['id']}"}}
    for optional in ("default_project_id", "email", "description"):
        if row.get(optional):
            body[optional] = row[optional]
    return body


def role_body(row: dict[str, Any], base: str) -> dict[str, Any]:
    return {**(row.get("extra") or {}),
            "id": row["id"], "name": row["name"], "domain_id": row.get("domain_id"),
            "description": row.get("description"), "options": {},
            "links": {"self": f"{base}{V3}/roles/{row['id']}"}}


def role_ref(row: dict[str, Any], base: str) -> dict[str, Any]:
    """The short role shape of a role inference (`/roles/{id}/implies`)."""
    return {"id": row["id"], "name": row["name"],
            "links": {"self": f"{base}{V3}/roles/{row['id']}"}}


def domain_body(row: dict[str, Any], base: str) -> dict[str, Any]:
    return {**(row.get("extra") or {}),
            "id": row["id"], "name": row["name"], "description": row.get("description") or "",
            "enabled": bool(row["enabled"]), "tags": list(row.get("tags") or []), "options": {},
            "links": {"self": f"{base}{V3}/domains/{row['id']}"}}


def group_body(row: dict[str, Any], base: str) -> dict[str, Any]:
    return {**(row.get("extra") or {}),
            "id": row["id"], "name": row["name"], "domain_id": row["domain_id"],
            "description": row.get("description") or "",
            "links": {"self": f"{base}{V3}/groups/{row['id']}"}}


def group_row(group: Any) -> dict[str, Any]:
    return {"id": group.id.hex, "name": group.name, "domain_id": group.domain_id,
            "description": group.description, "extra": dict(group.extra)}


def domain_row(domain: Any) -> dict[str, Any]:
    return {"id": domain.id.hex, "name": domain.name, "description": domain.description,
            "enabled": domain.enabled, "tags": list(domain.tags), "extra": dict(domain.extra)}


def assignment_body(row: dict[str, Any], base: str, include_names: bool) -> dict[str, Any]:
    """One role assignment of a user (a row of IdentityViews.assignments, on a project, or of
    .system_assignments, no project_id: the system) or of a group (DomainGroupViews
    .group_assignments, `target` a project id or "system"), plus `prior_role_id` when the role
    is implied by another (`?effective`)."""
    prior = row.get("prior_role_id")
    project_id = row.get("project_id") or (None if row.get("target") in (None, "system")
                                           else row["target"])
    domain_id = None
    if project_id is not None and project_id.startswith("domain:"):
        domain_id, project_id = project_id.removeprefix("domain:"), None
    actor = ("groups", row["group_id"]) if "group_id" in row else ("users", row["user_id"])
    target = ("system" if project_id is None and domain_id is None else
              f"domains/{domain_id}" if domain_id else f"projects/{project_id}")
    # Keystone links an implied role to the assignment of its prior role, and names the
    # inference with its own (reversed) `/prior_role/{implied}/implies/{prior}` path.
    links = {"assignment": f"{base}{V3}/{target}/{actor[0]}/{actor[1]}"
                           f"/roles/{prior or row['role_id']}"}
    if prior:
        links["prior_role"] = f"{base}{V3}/prior_role/{row['role_id']}/implies/{prior}"
    if row.get("membership"):  # `?effective`: held through this group
        links["assignment"] = (f"{base}{V3}/{target}/groups/{row['membership']}"
                               f"/roles/{prior or row['role_id']}")
        links["membership"] = f"{base}{V3}/groups/{row['membership']}/users/{row['user_id']}"
    role: dict[str, Any] = {"id": row["role_id"]}
    scope: dict[str, Any] = ({"domain": {"id": domain_id}} if domain_id else
                             {"system": {"all": True}} if project_id is None else
                             {"project": {"id": project_id}})
    who: dict[str, Any] = {"id": actor[1]}
    if include_names:
        role["name"] = row["role_name"]
        if project_id is not None and "project_name" in row:
            scope["project"].update(name=row["project_name"], domain=DEFAULT_DOMAIN)
        who.update(name=row.get("user_name") or row.get("group_name"), domain=DEFAULT_DOMAIN)
    return {"links": links, "role": role, "scope": scope, actor[0][:-1]: who}


def project_row(project: Any) -> dict[str, Any]:
    return {"id": project.id.hex, "name": project.name, "domain_id": project.domain_id,
            "description": project.description, "enabled": project.enabled,
            "tags": list(project.tags), "extra": dict(project.extra),
            "parent_id": project.parent_id}


def user_row(user: Any) -> dict[str, Any]:
    return {"id": user.id.hex, **{k: getattr(user, k) for k in (
        "name", "domain_id", "enabled", "default_project_id", "email", "description", "extra")}}


def role_row(role: Any) -> dict[str, Any]:
    return {"id": role.id.hex, "name": role.name, "description": role.description,
            "extra": dict(role.extra), "domain_id": role.domain_id}


# Request side ---------------------------------------------------------------------------------
# Keystone's id_string: what may name a domain, a parent or a default project in a body.
IdString = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-zA-Z0-9-]+$")]
# Attributes of a body that are never stored: Keystone assigns the id and builds the links.
READ_ONLY = ("id", "links")


def _no_options(value: dict[str, Any]) -> dict[str, Any]:
    # Keystone validates options against a registry; skyledger registers none of them.
    if value:
        raise ValueError(f"unsupported option(s): {', '.join(sorted(value))}")
    return value


Options = Annotated[dict[str, Any], AfterValidator(_no_options)]


def storable(value: Any) -> Any:
    """Refuse what a read model could not hold or a response could not render: NUL characters
    (PostgreSQL text cannot contain them, so the projection would stall on the event) and
    non-finite numbers (not JSON). Iterative, so a deeply nested extra cannot exhaust the stack."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            raise ValueError("text must not contain NUL characters")
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError("numbers must be finite")
        if isinstance(item, dict):
            stack.extend([*item.keys(), *item.values()])
        elif isinstance(item, list):
            stack.extend(item)
    return value


class Storable(BaseModel):
    """A request body whose every string and number, however nested, passes `storable`."""

    @model_validator(mode="before")
    @classmethod
    def only_storable(cls, data: Any) -> Any:
        return storable(data)


class KeystoneObject(Storable):
    """A resource in a request body: known fields typed, the others kept as Keystone's extras."""

    model_config = ConfigDict(extra="allow")

    def extras(self) -> dict[str, Any]:
        return {k: v for k, v in (self.model_extra or {}).items() if k not in READ_ONLY}

    def given(self, *names: str) -> dict[str, Any]:
        """The named fields the client actually sent (a PATCH changes only those)."""
        return {n: getattr(self, n) for n in names if n in self.model_fields_set}


class NullRefused(BaseModel):
    """A PATCH body whose declared fields may not be set to null, except those it names in
    `nullable`. Refusing is the default, declared once here: a subclass that forgot a per-field
    check once let a null required attribute into an event, and the projection reading it broke
    (every later read answered 500). Extras are not checked: they are stored as given."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def null_only_where_nullable(self) -> Self:
        nulls = sorted(name for name in self.model_fields_set & type(self).model_fields.keys()
                       if getattr(self, name) is None and name not in self.nullable)
        if nulls:
            raise ValueError(f"{', '.join(nulls)}: may not be null")
        return self


class KeystoneUpdate(KeystoneObject, NullRefused):
    """A PATCH body: at least one attribute, and null only for the fields in `nullable`."""

    @model_validator(mode="after")
    def not_empty(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("at least one attribute must be updated")
        return self


TRUE_WORDS = ("1", "true", "yes", "on", "t", "y")
FALSE_WORDS = ("0", "false", "no", "off", "f", "n")


def flag(value: str | None, name: str) -> bool | None:
    """A boolean filter such as `?enabled=false`; None when absent."""
    if value is None:
        return None
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise InvalidInput(f"Invalid input for field '{name}': '{value}' is not a boolean.")


def key_only(value: str | None) -> bool:
    """Keystone's key-only flags (`?effective`, `?include_names`): true unless absent or 0."""
    return value is not None and value != "0"


def self_url(request: Request, base: str) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{base}{request.url.path}{query}"
