"""The rebuild workload's part for Keystone's extensions: test_projections_rebuild.py calls it
with its `Api` (admin requests that must succeed, `create` returning the new id)."""

from __future__ import annotations

from typing import Any


def drive_identity_extensions(api: Any) -> None:
    """OAuth1 consumers, endpoint groups, domain configurations, inherited grants, roles
renamed and domain-specific ones, a trust used to get a token."""
    v3 = "/identity/v3"
    for description in ("a", "b"):
        consumer = api.create(f"{v3}/OS-OAUTH1/consumers", "consumer",
                              {"description": description})
    api("PATCH", f"{v3}/OS-OAUTH1/consumers/{consumer}", {"consumer": {"description": "c"}})
    api("DELETE", f"{v3}/OS-OAUTH1/consumers/{consumer}")
    for name in ("rb-eg1", "rb-eg2"):
        group = api.create(f"{v3}/OS-EP-FILTER/endpoint_groups", "endpoint_group",
                           {"name": name, "filters": {"interface": "public"}})
    api("PATCH", f"{v3}/OS-EP-FILTER/endpoint_groups/{group}", {"endpoint_group": {
        "filters": {"interface": "admin"}}})
    api("DELETE", f"{v3}/OS-EP-FILTER/endpoint_groups/{group}")
    config = f"{v3}/domains/default/config"
    api("PUT", config, {"config": {"ldap": {"url": "ldap://rb", "password": "p"}}})
    api("PATCH", f"{config}/ldap", {"config": {"ldap": {"user": "cn=rb"}}})
    api("DELETE", f"{config}/ldap/user")
    project = api("GET", f"{v3}/projects?name=rb-p1")["projects"][0]["id"]
    admin_id = api("GET", f"{v3}/users?name=admin")["users"][0]["id"]
    inherit = (f"{v3}/OS-INHERIT/projects/{project}/users/{admin_id}/roles/"
               f"{api('GET', f'{v3}/roles?name=reader')['roles'][0]['id']}/inherited_to_projects")
    api("PUT", inherit)
    drive_roles_and_trusts(api, project, admin_id)


def drive_roles_and_trusts(api: Any, project: str, admin_id: str) -> None:
    v3 = "/identity/v3"
    domain_role = api.create(f"{v3}/roles", "role", {"name": "rb-dr", "domain_id": "default"})
    renamed = api.create(f"{v3}/roles", "role", {"name": "rb-r1"})
    api("PATCH", f"{v3}/roles/{renamed}", {"role": {"name": "rb-r2", "description": "d"}})
    api("PUT", f"{v3}/roles/{domain_role}/implies/{renamed}")
    api("PUT", f"{v3}/projects/{project}/users/{admin_id}/roles/{domain_role}")
    admin_project = api("GET", f"{v3}/projects?name=admin")["projects"][0]["id"]
    trust = api.create(f"{v3}/OS-TRUST/trusts", "trust", {
        "trustor_user_id": admin_id, "trustee_user_id": admin_id, "project_id": admin_project,
        "impersonation": False, "roles": [{"name": "reader"}], "remaining_uses": 3})
    api("POST", f"{v3}/auth/tokens", {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "id": admin_id, "password": "admin-secret"}}},
        "scope": {"OS-TRUST:trust": {"id": trust}}}})
