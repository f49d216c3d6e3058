"""The world the authorisation matrix (test_authz_matrix.py) runs in: project A's resources of
every kind, the values that fill each path parameter of the route table, a valid body for each
mutating route (so that what is tested is the authorisation, not the validation), and the
tokens that must be refused. The `world` fixture that builds it is in test_authz_matrix.py."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from domain.context import SYSTEM
from domain.identity.role import role_id
from tests.support.authz_identity import identity_bodies, identity_things
from tests.support.authz_images import image_bodies, imported_image_task, operator_metadefs
from tests.support.authz_routers import router_bodies, router_things
from tests.support.authz_tags import tag_bodies, tag_things
from tests.support.authz_volumes import volume_bodies, volume_things
from tests.support.compute_api import WORKER, Compute, auth
from tests.support.identity import password_token
from tests.support.network_api import NET, create_network

A_FLAVOR = "secret-flavor-a"
A_SPEC = "secret:spec"
A_TAG = "secret-tag-a"
A_KEYPAIR = "secret-keypair-a"
A_MEMBER = "secret-member-project-a"  # the project A shares its image with


@dataclass(frozen=True)
class Route:
    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def route_table(app: Any) -> list[Route]:
    """Every (method, path template) the app serves, from its own route table."""
    routes = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            routes += [Route(method, str(context.path)) for method in sorted(route.methods)]
    return routes


@dataclass
class World:
    """Project A (alice, a member) with one resource of each kind; `params` fills path
    parameters; `secrets` are A's ids and names no other project may see."""

    compute: Compute
    a: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)

    @property
    def client(self) -> TestClient:
        return self.compute.client

    def keep(self, **params: str) -> None:
        self.params.update(params)

    def secret(self, *values: str) -> None:
        for value in values:
            self.secrets.add(value)
            with contextlib.suppress(ValueError):  # an id: both spellings count
                self.secrets |= {UUID(value).hex, str(UUID(value))}

    def created(self, method: str, path: str, body: Any, key: str | None,
                who: dict[str, str] | None = None) -> Any:
        response = self.client.request(method, path, json=body, headers=auth(who or self.a))
        assert response.status_code < 300, (path, response.text)
        if not response.content:
            return None
        return response.json()[key] if key else response.json()


def build_world(compute: Compute, a: dict[str, str], admin: dict[str, str]) -> World:
    world = World(compute, a)
    project = a["project_id"]
    world.keep(project_id=project, target_id=project, user_id=a["user_id"],
               role_id=role_id("member").hex, prior_role_id=role_id("member").hex,
               domain_id="default", flavorid=A_FLAVOR, key=A_SPEC, name=A_KEYPAIR, tag=A_TAG,
               alias="quotas")
    world.secret(project, a["user_id"], a["user"], a["project"], a["token"], A_FLAVOR,
                 A_KEYPAIR, A_TAG)
    server_id = compute.active(a, name="secret-server-a", metadata={A_SPEC: "1"})
    tagged = compute.client.put(f"/compute/v2.1/servers/{server_id}/tags/{A_TAG}",
                                headers=auth(a, "2.26"))
    assert tagged.status_code == 201, tagged.text
    actions = world.created("GET", f"/compute/v2.1/servers/{server_id}/os-instance-actions",
                            None, "instanceActions")
    addresses = world.created("GET", f"/compute/v2.1/servers/{server_id}/ips", None, "addresses")
    interfaces = world.created("GET", f"/compute/v2.1/servers/{server_id}/os-interface", None,
                               "interfaceAttachments")
    # No share service here: a share id names nothing (2.97's routes answer 404 for it).
    world.keep(share_id="0d1c4b5e-5d6f-4e1a-9c1b-3f2a7e8d9c10")
    # The server is not live-migrating: a migration id names nothing (404 where one is read).
    world.keep(migration_id="1")
    world.keep(server_id=server_id, request_id=actions[0]["request_id"],
               network_label=next(iter(addresses)), server_port_id=interfaces[0]["port_id"])
    world.secret(server_id, "secret-server-a", actions[0]["request_id"])
    world.created("POST", "/compute/v2.1/os-keypairs", {"keypair": {"name": A_KEYPAIR}}, None)
    volume = world.created("POST", f"/volume/v3/{project}/volumes",
                           {"volume": {"size": 1, "name": "secret-volume-a"}}, "volume")
    world.keep(volume_id=volume["id"])
    # The storage worker's part: the volume is made, so it can be attached.
    compute.cloud.volumes.created(WORKER, volume["id"], f"/pool/{volume['id']}")
    compute.cloud.sync_read_models()
    world.created("POST", f"/compute/v2.1/servers/{server_id}/os-volume_attachments",
                  {"volumeAttachment": {"volumeId": volume["id"]}}, None)
    world.secret(volume["id"], "secret-volume-a")
    net = create_network(world.client, a, "secret-net-a")
    port = world.created("POST", f"{NET}/ports", {"port": {"network_id": net["id"],
                                                           "name": "secret-port-a"}}, "port")
    fip = world.created("POST", f"{NET}/floatingips", {"floatingip": {}}, "floatingip")
    pool = world.created("POST", f"{NET}/subnetpools", {"subnetpool": {
        "name": "secret-pool-a", "prefixes": ["10.98.0.0/16"]}}, "subnetpool")
    world.keep(network_id=net["id"], ref=net["subnets"][0], port_id=port["id"],
               floating_ip_id=fip["id"], pool_id=pool["id"])
    world.secret(net["id"], "secret-net-a", net["subnets"][0], port["id"], "secret-port-a",
                 port["mac_address"], fip["id"], pool["id"], "secret-pool-a")
    secgroup = world.created("POST", f"{NET}/security-groups", {"security_group": {
        "name": "secret-secgroup-a"}}, "security_group")
    rule = world.created("POST", f"{NET}/security-group-rules", {"security_group_rule": {
        "security_group_id": secgroup["id"], "direction": "ingress", "protocol": "tcp"}},
        "security_group_rule")
    world.keep(security_group_id=secgroup["id"], security_group_rule_id=rule["id"])
    world.secret(secgroup["id"], "secret-secgroup-a", rule["id"])
    router_things(world, net["subnets"][0])
    tag_things(world, A_TAG)
    image = world.created("POST", "/image/v2/images", {"name": "secret-image-a",
                                                       "visibility": "shared", A_SPEC: "1"},
                          None)
    world.created("PUT", f"/image/v2/images/{image['id']}/tags/{A_TAG}", None, None)
    # Shared with a project that is neither B nor the reader's: its membership is A's to show.
    world.created("POST", f"/image/v2/images/{image['id']}/members", {"member": A_MEMBER}, None)
    task_id = imported_image_task(world)
    group = world.created("POST", "/compute/v2.1/os-server-groups", {"server_group": {
        "name": "secret-group-a", "policies": ["affinity"]}}, "server_group")
    world.keep(image_id=image["id"], group_id=group["id"], member_id=A_MEMBER, task_id=task_id,
               store_id="file")
    world.secret(image["id"], "secret-image-a", group["id"], "secret-group-a", A_MEMBER,
                 task_id)
    private_flavor(world, admin)
    operator_ids(world, admin)
    operator_metadefs(world, admin)
    identity_things(world, admin)
    volume_things(world, admin)
    return world


def private_flavor(world: World, admin: dict[str, str]) -> None:
    flavor = {"name": "secret-flavor-a", "id": A_FLAVOR, "ram": 64, "vcpus": 1, "disk": 0,
              "os-flavor-access:is_public": False}
    world.created("POST", "/compute/v2.1/flavors", {"flavor": flavor}, None, admin)
    path = f"/compute/v2.1/flavors/{A_FLAVOR}"
    world.created("POST", f"{path}/action",
                  {"addTenantAccess": {"tenant": world.a["project_id"]}}, None, admin)
    world.created("POST", f"{path}/os-extra_specs", {"extra_specs": {A_SPEC: "1"}}, None, admin)


def operator_ids(world: World, admin: dict[str, str]) -> None:
    """Hosts are the operator's, not A's: only admins may see or change them."""
    version = {"OpenStack-API-Version": "compute 2.53"}
    hypervisors = world.client.get("/compute/v2.1/os-hypervisors",
                                   headers={**admin, **version}).json()["hypervisors"]
    services = world.client.get("/compute/v2.1/os-services",
                                headers={**admin, **version}).json()["services"]
    aggregate = world.created("POST", "/compute/v2.1/os-aggregates",
                              {"aggregate": {"name": "operators-aggregate"}}, "aggregate", admin)
    # A network agent registers itself, as `skyledger network-agent` does at start.
    agents = world.compute.cloud.network_agents.register(SYSTEM, "network-host-1", {})
    world.keep(agent_id=str(agents[0].id))
    world.keep(hypervisor_id=str(hypervisors[0]["id"]), service_id=str(services[0]["id"]),
               pattern=hypervisors[0]["hypervisor_hostname"], aggregate_id=str(aggregate["id"]),
               host_name=hypervisors[0]["hypervisor_hostname"], extension_alias="os-hosts",
               before="2026-03-15 10:00:00")


def bodies(world: World, other_project: str) -> dict[str, Any]:
    """A valid body for each mutating route (a route missing here fails the matrix); the
    servers' also for /os-volumes_boot, Nova's alias of /servers below 2.103."""
    found = own_bodies(world, other_project)
    return {**found, **{key.replace("/servers", "/os-volumes_boot"): body
                        for key, body in found.items()
                        if key.split(" ")[1].startswith("/compute/v2.1/servers")}}


def own_bodies(world: World, other_project: str) -> dict[str, Any]:
    p = world.params
    return {
        "DELETE /identity/v3/auth/tokens": None,
        "POST /identity/v3/projects": {"project": {"name": "matrix-project"}},
        "PATCH /identity/v3/projects/{project_id}": {"project": {"description": "changed"}},
        "DELETE /identity/v3/projects/{project_id}": None,
        "POST /identity/v3/users": {"user": {"name": "matrix-user", "password": "pw-matrix"}},
        "PATCH /identity/v3/users/{user_id}": {"user": {"description": "changed"}},
        "DELETE /identity/v3/users/{user_id}": None,
        "POST /identity/v3/roles": {"role": {"name": "matrix-role"}},
        "PATCH /identity/v3/roles/{role_id}": {"role": {"description": "changed"}},
        "PUT /identity/v3/projects/{project_id}/users/{user_id}/roles/{role_id}": None,
        "DELETE /identity/v3/projects/{project_id}/users/{user_id}/roles/{role_id}": None,
        **identity_bodies(world),
        "POST /compute/v2.1/flavors": {"flavor": {"name": "matrix", "ram": 64, "vcpus": 1,
                                                  "disk": 0}},
        "PUT /compute/v2.1/flavors/{flavorid}": {"flavor": {"description": "changed"}},
        "DELETE /compute/v2.1/flavors/{flavorid}": None,
        "POST /compute/v2.1/flavors/{flavorid}/os-extra_specs": {"extra_specs": {A_SPEC: "2"}},
        "PUT /compute/v2.1/flavors/{flavorid}/os-extra_specs/{key}": {A_SPEC: "2"},
        "DELETE /compute/v2.1/flavors/{flavorid}/os-extra_specs/{key}": None,
        "POST /compute/v2.1/flavors/{flavorid}/action": {
            "addTenantAccess": {"tenant": other_project}},
        "POST /compute/v2.1/os-keypairs": {"keypair": {"name": "matrix-key"}},
        "DELETE /compute/v2.1/os-keypairs/{name}": None,
        "PUT /compute/v2.1/os-quota-sets/{project_id}": {"quota_set": {"instances": 1}},
        "PUT /compute/v2.1/os-quota-class-sets/{class_name}": {"quota_class_set": {
            "instances": 11}},
        "DELETE /compute/v2.1/os-quota-sets/{project_id}": None,
        **image_bodies(other_project),
        **volume_bodies(other_project, p["snapshot_volume_id"]),
        **router_bodies(p),
        **tag_bodies(),
        "POST /compute/v2.1/servers": {"server": {"name": "matrix", "flavorRef": "1",
                                                  "imageRef": world.compute.image}},
        "PUT /compute/v2.1/servers/{server_id}": {"server": {"name": "changed"}},
        "DELETE /compute/v2.1/servers/{server_id}": None,
        "POST /compute/v2.1/servers/{server_id}/action": {"reboot": {"type": "SOFT"}},
        **server_detail_bodies(),
        "POST /compute/v2.1/os-server-groups": {"server_group": {"name": "matrix",
                                                                 "policies": ["affinity"]}},
        "DELETE /compute/v2.1/os-server-groups/{group_id}": None,
        "PUT /compute/v2.1/os-services/{service_id}": {"status": "disabled"},
        "POST /compute/v2.1/os-aggregates": {"aggregate": {"name": "matrix"}},
        "DELETE /compute/v2.1/images/{image_id}": None,
        "DELETE /compute/v2.1/images/": None,
        "DELETE /compute/v2.1/os-security-groups/": None,
        "POST /compute/v2.1/os-volumes": {"volume": {"size": 1}},
        "POST /compute/v2.1/os-snapshots": {"snapshot": {"volume_id": p["snapshot_volume_id"]}},
        "DELETE /compute/v2.1/os-volumes/{volume_id}": None,
        "DELETE /compute/v2.1/os-snapshots/{snapshot_id}": None,
        "DELETE /compute/v2.1/os-volumes/": None,
        "PUT /compute/v2.1/images/{image_id}/metadata": {"metadata": {"k": "v"}},
        "POST /compute/v2.1/images/{image_id}/metadata": {"metadata": {"k": "v"}},
        "PUT /compute/v2.1/images/{image_id}/metadata/{key}": {"meta": {A_SPEC: "2"}},
        "DELETE /compute/v2.1/images/{image_id}/metadata/{key}": None,
        "PUT /compute/v2.1/os-hosts/{host_name}": {"status": "disable"},
        "PUT /compute/v2.1/os-aggregates/{aggregate_id}": {"aggregate": {"name": "changed"}},
        "DELETE /compute/v2.1/os-aggregates/{aggregate_id}": None,
        "POST /compute/v2.1/os-aggregates/{aggregate_id}/action": {
            "set_metadata": {"metadata": {"k": "v"}}},
        "POST /compute/v2.1/os-aggregates/{aggregate_id}/images": {
            "cache": [{"id": world.compute.image}]},
        "POST /compute/v2.1/os-server-external-events": {
            "events": [{"name": "network-changed", "server_uuid": p["server_id"]}]},
        "PUT /network/v2.0/agents/{agent_id}": {"agent": {"description": "changed"}},
        "DELETE /network/v2.0/agents/{agent_id}": None,
        "POST /network/v2.0/networks": {"network": {"name": "matrix"}},
        "PUT /network/v2.0/networks/{network_id}": {"network": {"name": "changed"}},
        "DELETE /network/v2.0/networks/{network_id}": None,
        # A subnet on A's network: the body, not the path, is what targets A here.
        "POST /network/v2.0/subnets": {"subnet": {"network_id": p["network_id"],
                                                  "cidr": "10.9.0.0/24", "ip_version": 4}},
        "PUT /network/v2.0/subnets/{ref}": {"subnet": {"name": "changed"}},
        "DELETE /network/v2.0/subnets/{ref}": None,
        "POST /network/v2.0/subnetpools": {"subnetpool": {"name": "matrix",
                                                          "prefixes": ["10.99.0.0/16"]}},
        "PUT /network/v2.0/subnetpools/{pool_id}": {"subnetpool": {"name": "changed"}},
        "DELETE /network/v2.0/subnetpools/{pool_id}": None,
        # A port on A's network: the body, not the path, is what targets A here.
        "POST /network/v2.0/ports": {"port": {"network_id": p["network_id"]}},
        "PUT /network/v2.0/ports/{port_id}": {"port": {"name": "changed"}},
        "DELETE /network/v2.0/ports/{port_id}": None,
        "POST /network/v2.0/floatingips": {"floatingip": {"port_id": p["port_id"]}},
        "PUT /network/v2.0/floatingips/{floating_ip_id}": {"floatingip": {"port_id": None}},
        "DELETE /network/v2.0/floatingips/{floating_ip_id}": None,
        "POST /network/v2.0/security-groups": {"security_group": {"name": "matrix"}},
        "PUT /network/v2.0/security-groups/{security_group_id}": {
            "security_group": {"name": "changed"}},
        "DELETE /network/v2.0/security-groups/{security_group_id}": None,
        "POST /network/v2.0/security-group-rules": {"security_group_rule": {
            "security_group_id": p["security_group_id"], "direction": "egress",
            "protocol": "udp"}},
        "DELETE /network/v2.0/security-group-rules/{security_group_rule_id}": None,
        "POST /compute/v2.1/os-security-groups": {"security_group": {
            "name": "matrix", "description": "d"}},
        "PUT /compute/v2.1/os-security-groups/{security_group_id}": {"security_group": {
            "name": "changed", "description": "d"}},
        "DELETE /compute/v2.1/os-security-groups/{security_group_id}": None,
        "POST /compute/v2.1/os-security-group-rules": {"security_group_rule": {
            "parent_group_id": p["security_group_id"], "ip_protocol": "udp",
            "from_port": 53, "to_port": 53}},
        "DELETE /compute/v2.1/os-security-group-rules/{security_group_rule_id}": None,
        "PUT /network/v2.0/quotas/{project_id}": {"quota": {"network": 1}},
        "DELETE /network/v2.0/quotas/{project_id}": None,
        "POST /volume/v3/{project_id}/volumes": {"volume": {"size": 1}},
        "PUT /volume/v3/{project_id}/volumes/{volume_id}": {"volume": {"name": "changed"}},
        "DELETE /volume/v3/{project_id}/volumes/{volume_id}": None,
        "POST /volume/v3/{project_id}/volumes/{volume_id}/action": {
            "os-extend": {"new_size": 2}},
        "PUT /volume/v3/{project_id}/os-quota-sets/{target_id}": {"quota_set": {"volumes": 1}},
        "POST /compute/v2.1/servers/{server_id}/os-volume_attachments": {
            "volumeAttachment": {"volumeId": p["volume_id"]}},
        "DELETE /compute/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}": None,
        "PUT /compute/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}": {
            "volumeAttachment": {"volumeId": p["volume_id"]}},
        "POST /compute/v2.1/servers/{server_id}/shares": {"share": {"share_id": p["share_id"]}},
        "DELETE /compute/v2.1/servers/{server_id}/shares/{share_id}": None,
        "POST /compute/v2.1/servers/{server_id}/migrations/{migration_id}/action": {
            "force_complete": None},
        "DELETE /compute/v2.1/servers/{server_id}/migrations/{migration_id}": None,
        "POST /compute/v2.1/servers/{server_id}/remote-consoles": {
            "remote_console": {"protocol": "vnc", "type": "novnc"}},
    }


def refused_tokens(world: World) -> dict[str, str]:
    """Tokens of A's own user that must get 401: expired, revoked, tampered (and none)."""
    cloud, a = world.compute.cloud, world.a
    expired, _ = cloud.tokens.issue(a["user_id"], a["project_id"], now=time.time() - 7200)
    revoked = password_token(world.client, a["user"], a["password"], a["project"])
    response = world.client.delete("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": a["token"], "X-Subject-Token": revoked})
    assert response.status_code == 204, response.text
    payload, signature = a["token"].rsplit(".", 1)
    flipped = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]
    return {"expired": expired, "revoked": revoked, "tampered": f"{payload}.{flipped}",
            "absent": ""}


def reader_of(world: World) -> str:
    """A user holding only the reader role on project A."""
    cloud, project = world.compute.cloud, world.a["project_id"]
    user = cloud.identity.create_user(SYSTEM, "carol", "pw-carol", default_project_id=project)
    cloud.identity.grant(SYSTEM, project, user.id.hex, role_id("reader").hex)
    cloud.sync_read_models()
    return password_token(world.client, "carol", "pw-carol", world.a["project"])


def server_detail_bodies() -> dict[str, Any]:
    """A server's metadata, tags and password, and Nova's floating IP proxy."""
    server = "/compute/v2.1/servers/{server_id}"
    return {
        f"POST {server}/metadata": {"metadata": {"k": "v"}},
        f"PUT {server}/metadata": {"metadata": {"k": "v"}},
        f"PUT {server}/metadata/{{key}}": {"meta": {A_SPEC: "2"}},
        f"DELETE {server}/metadata/{{key}}": None,
        f"PUT {server}/tags": {"tags": ["matrix"]},
        f"PUT {server}/tags/{{tag}}": None,
        f"DELETE {server}/tags/{{tag}}": None,
        f"DELETE {server}/tags": None,
        f"DELETE {server}/os-server-password": None,
        f"POST {server}/os-interface": {"interfaceAttachment": {}},
        f"DELETE {server}/os-interface/{{port_id}}": None,
        "POST /compute/v2.1/os-floating-ips": {"pool": "public"},
        "DELETE /compute/v2.1/os-floating-ips/{floating_ip_id}": None,
    }
