"""The rebuild workload's part for Keystone's extensions: test_projections_rebuild.py calls it
with its `Api` (admin requests that must succeed, `create` returning the new id)."""

from __future__ import annotations

from typing import Any


def drive_identity_extensions(api: Any) -> None:
    """OAuth1 consumers, endpoint groups, domain configurations, inherited grants."""
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
