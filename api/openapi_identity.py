"""The OpenAPI document's bodies of Keystone's projects, users and tokens
(api/identity_views.py, api/routers/identity_tokens.py). Keystone returns the attributes it
does not know beside its own, so objects stay open."""

from __future__ import annotations

from api.openapi_schema import BOOL, STR, Schema, answers, array, enum, nullable, obj, wrap

V3 = "/identity/v3"
SELF = obj({"self": STR})
COLLECTION_LINKS = obj({"self": STR, "previous": nullable(STR), "next": nullable(STR)})

PROJECT = obj({"id": STR, "name": STR, "domain_id": STR, "enabled": BOOL, "is_domain": BOOL,
               "parent_id": nullable(STR), "links": SELF},
              {"description": STR, "tags": array(STR), "options": {"type": "object"}})
USER = obj({"id": STR, "name": STR, "domain_id": STR, "enabled": BOOL, "links": SELF},
           {"password_expires_at": nullable(STR), "options": {"type": "object"},
            "default_project_id": STR, "email": STR, "description": STR})
PROJECTS = obj({"projects": array(PROJECT), "links": COLLECTION_LINKS})
USERS = obj({"users": array(USER), "links": COLLECTION_LINKS})

NAMED = obj({"id": STR, "name": STR})
DOMAIN = NAMED
ENDPOINT = obj({"id": STR, "interface": enum(["public", "internal", "admin"]), "url": STR},
               {"region": STR, "region_id": STR})
SERVICE = obj({"type": STR, "id": STR, "endpoints": array(ENDPOINT)}, {"name": STR})
TOKEN = {**obj({
    "methods": array(STR), "audit_ids": array(STR), "issued_at": STR, "expires_at": STR,
    "user": obj({"id": STR, "name": STR, "domain": DOMAIN},
                {"password_expires_at": nullable(STR)})}, {
    "catalog": array(SERVICE), "project": obj({"id": STR, "name": STR, "domain": DOMAIN}),
    "is_domain": BOOL, "roles": array(NAMED)}),
    # A project-scoped token names the roles the user has there.
    "dependentRequired": {"project": ["roles"]}}

RESPONSES: dict[tuple[str, str], dict[str, Schema]] = {
    ("post", f"{V3}/auth/tokens"): answers(wrap("token", TOKEN), 201),
    ("get", f"{V3}/auth/tokens"): answers(wrap("token", TOKEN)),
    ("get", f"{V3}/projects"): answers(PROJECTS),
    ("post", f"{V3}/projects"): answers(wrap("project", PROJECT), 201),
    ("get", f"{V3}/projects/{{project_id}}"): answers(wrap("project", PROJECT)),
    ("patch", f"{V3}/projects/{{project_id}}"): answers(wrap("project", PROJECT)),
    ("get", f"{V3}/users/{{user_id}}/projects"): answers(PROJECTS),
    ("get", f"{V3}/auth/projects"): answers(PROJECTS),
    ("get", f"{V3}/users"): answers(USERS),
    ("post", f"{V3}/users"): answers(wrap("user", USER), 201),
    ("get", f"{V3}/users/{{user_id}}"): answers(wrap("user", USER)),
    ("patch", f"{V3}/users/{{user_id}}"): answers(wrap("user", USER)),
}
