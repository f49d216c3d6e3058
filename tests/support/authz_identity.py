"""The identity part of the authorisation matrix's world (tests/support/authz_world.py): A's
user's own identity things and the operator's that the identity routes name, and a valid body
for each mutating identity route beyond projects, users and project grants."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.base import natural_id
from domain.identity.credential import ec2_credential_id
from domain.identity.role import role_id

if TYPE_CHECKING:
    from tests.support.authz_world import World

def identity_things(world: World, admin: dict[str, str]) -> None:
    """A's user's own identity things (credentials, a trust, roles through a group), and the
    operator's (a group, the catalog) that the matrix needs ids of."""
    v3, a, member = "/identity/v3", world.a, role_id("member").hex
    user, project = a["user_id"], a["project_id"]
    group = world.created("POST", f"{v3}/groups", {"group": {"name": "matrix-group"}}, "group",
                          admin)
    gid = group["id"]
    for path in (f"groups/{gid}/users/{user}", f"projects/{project}/groups/{gid}/roles/{member}",
                 f"system/groups/{gid}/roles/{member}",
                 f"domains/default/groups/{gid}/roles/{member}",
                 f"system/users/{user}/roles/{member}",
                 f"domains/default/users/{user}/roles/{member}",
                 f"projects/{project}/tags/{world.params['tag']}"):
        world.created("PUT", f"{v3}/{path}", None, None, admin)
    credential = world.created("POST", f"{v3}/users/{user}/application_credentials", {
        "application_credential": {"name": "secret-app-credential-a", "access_rules": [
            {"path": "/v2.1/servers", "method": "GET", "service": "compute"}]}},
        "application_credential")
    ec2 = world.created("POST", f"{v3}/users/{user}/credentials/OS-EC2", {"tenant_id": project},
                        "credential")
    admin_id = world.client.get(f"{v3}/users?name=admin", headers=admin).json()["users"][0]["id"]
    trust = world.created("POST", f"{v3}/OS-TRUST/trusts", {"trust": {
        "trustor_user_id": user, "trustee_user_id": admin_id, "project_id": project,
        "impersonation": False, "roles": [{"name": "member"}]}}, "trust")
    policy = world.created("POST", f"{v3}/policies", {"policy": {"blob": "x", "type": "t"}},
                           "policy", admin)
    consumer = world.created("POST", f"{v3}/OS-OAUTH1/consumers", {"consumer": {}}, "consumer",
                             admin)
    world.created("PUT", f"{v3}/domains/default/config", {"config": {"ldap": {
        "url": "ldap://matrix"}}}, "config", admin)
    endpoints = world.created("POST", f"{v3}/OS-EP-FILTER/endpoint_groups", {"endpoint_group": {
        "name": "matrix-endpoints", "filters": {"interface": "public"}}}, "endpoint_group", admin)
    world.keep(implied_role_id=role_id("reader").hex, policy_id=policy["id"],
               consumer_id=consumer["id"], endpoint_group_id=endpoints["id"], group="ldap",
               option="url",
               identity_group_id=gid, app_credential_id=credential["id"],
               rule_id=credential["access_rules"][0]["id"], access=ec2["access"],
               credential_id=ec2_credential_id(ec2["access"]), trust_id=trust["id"],
               region_id="RegionOne", catalog_service_id=natural_id("service", "compute").hex,
               endpoint_id=natural_id("endpoint", "compute", "public").hex)
    world.secret(credential["id"], "secret-app-credential-a", ec2["access"], ec2["secret"],
                 ec2_credential_id(ec2["access"]), trust["id"])


def identity_bodies(world: World) -> dict[str, Any]:
    """Bodies of the identity routes beyond projects, users and project grants."""
    p, v3 = world.params, "/identity/v3"
    no_body = [
        "DELETE {v3}/projects/{{project_id}}/tags", "PUT {v3}/projects/{{project_id}}/tags/{{tag}}",
        "DELETE {v3}/projects/{{project_id}}/tags/{{tag}}", "DELETE {v3}/domains/{{domain_id}}",
        "DELETE {v3}/groups/{{identity_group_id}}", "DELETE {v3}/roles/{{role_id}}",
        "PUT {v3}/groups/{{identity_group_id}}/users/{{user_id}}",
        "DELETE {v3}/groups/{{identity_group_id}}/users/{{user_id}}",
        "DELETE {v3}/regions/{{region_id}}", "DELETE {v3}/services/{{catalog_service_id}}",
        "DELETE {v3}/endpoints/{{endpoint_id}}",
        "DELETE {v3}/users/{{user_id}}/application_credentials/{{app_credential_id}}",
        "DELETE {v3}/users/{{user_id}}/access_rules/{{rule_id}}",
        "DELETE {v3}/credentials/{{credential_id}}",
        "DELETE {v3}/users/{{user_id}}/credentials/OS-EC2/{{access}}",
        "DELETE {v3}/OS-TRUST/trusts/{{trust_id}}",
        "PUT {v3}/roles/{{prior_role_id}}/implies/{{implied_role_id}}",
        "DELETE {v3}/roles/{{prior_role_id}}/implies/{{implied_role_id}}"]
    grants = ["projects/{{project_id}}/groups/{{identity_group_id}}",
              "system/groups/{{identity_group_id}}", "system/users/{{user_id}}",
              "domains/{{domain_id}}/users/{{user_id}}",
              "domains/{{domain_id}}/groups/{{identity_group_id}}"]
    routes: dict[str, Any] = {route.format(v3=v3): None for route in no_body}
    for grant in grants:
        for method in ("PUT", "DELETE"):
            routes[f"{method} {v3}/{grant.format()}/roles/{{role_id}}"] = None
    for grant in grants[-2:] + grants[:1] + ["projects/{{project_id}}/users/{{user_id}}"]:
        for method in ("PUT", "DELETE"):
            routes[f"{method} {v3}/OS-INHERIT/{grant.format()}/roles/{{role_id}}"
                   "/inherited_to_projects"] = None
    return {
        **routes,
        "PUT /identity/v3/projects/{project_id}/tags": {"tags": ["x"]},
        "POST /identity/v3/domains": {"domain": {"name": "matrix-domain"}},
        "PATCH /identity/v3/domains/{domain_id}": {"domain": {"description": "changed"}},
        "POST /identity/v3/groups": {"group": {"name": "matrix-group-2"}},
        "PATCH /identity/v3/groups/{identity_group_id}": {"group": {"description": "changed"}},
        "POST /identity/v3/regions": {"region": {"id": "matrix-region"}},
        "POST /identity/v3/policies": {"policy": {"blob": "x", "type": "t"}},
        "PATCH /identity/v3/policies/{policy_id}": {"policy": {"type": "u"}},
        "DELETE /identity/v3/policies/{policy_id}": None,
        "POST /identity/v3/OS-OAUTH1/consumers": {"consumer": {"description": "matrix"}},
        "PATCH /identity/v3/OS-OAUTH1/consumers/{consumer_id}": {
            "consumer": {"description": "changed"}},
        "DELETE /identity/v3/OS-OAUTH1/consumers/{consumer_id}": None,
        "POST /identity/v3/OS-EP-FILTER/endpoint_groups": {"endpoint_group": {
            "name": "matrix", "filters": {"interface": "public"}}},
        "PATCH /identity/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}": {
            "endpoint_group": {"name": "changed"}},
        "DELETE /identity/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}": None,
        "PUT /identity/v3/domains/{domain_id}/config": {"config": {"ldap": {"url": "ldap://m"}}},
        "PATCH /identity/v3/domains/{domain_id}/config": {"config": {"ldap": {"url": "ldap://n"}}},
        "DELETE /identity/v3/domains/{domain_id}/config": None,
        "PATCH /identity/v3/domains/{domain_id}/config/{group}": {
            "config": {"ldap": {"url": "ldap://o"}}},
        "DELETE /identity/v3/domains/{domain_id}/config/{group}": None,
        "PATCH /identity/v3/domains/{domain_id}/config/{group}/{option}": {
            "config": {"url": "ldap://p"}},
        "DELETE /identity/v3/domains/{domain_id}/config/{group}/{option}": None,
        "PUT /identity/v3/regions/{region_id}": {"region": {}},
        "PATCH /identity/v3/regions/{region_id}": {"region": {"description": "changed"}},
        "POST /identity/v3/services": {"service": {"type": "matrix"}},
        "PATCH /identity/v3/services/{catalog_service_id}": {"service": {"description": "x"}},
        "POST /identity/v3/endpoints": {"endpoint": {
            "service_id": p["catalog_service_id"], "interface": "public", "url": "http://x"}},
        "PATCH /identity/v3/endpoints/{endpoint_id}": {"endpoint": {"url": "http://x"}},
        "POST /identity/v3/users/{user_id}/application_credentials": {
            "application_credential": {"name": "matrix-credential"}},
        "POST /identity/v3/credentials": {"credential": {
            "user_id": p["user_id"], "type": "cert", "blob": "x"}},
        "PATCH /identity/v3/credentials/{credential_id}": {"credential": {"type": "cert"}},
        "POST /identity/v3/users/{user_id}/credentials/OS-EC2": {"tenant_id": p["project_id"]},
        "POST /identity/v3/OS-TRUST/trusts": {"trust": {
            "trustor_user_id": p["user_id"], "trustee_user_id": p["user_id"],
            "project_id": p["project_id"], "impersonation": False}},
    }
