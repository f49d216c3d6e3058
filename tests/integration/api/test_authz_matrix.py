"""The authorisation matrix, over the app's own route table (a new route is covered, or fails
here until its path parameters and body are known): on every route and method,

- a member of another project gets 403/404 on anything of project A, and no response shows A's
  ids or names;
- a reader of project A gets 403 on every mutating route;
- an expired, a revoked and a tampered token (and no token) get 401 everywhere but the public
  routes;

and no refused request records an event (the event store's head does not move)."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import pytest

from tests.support.authz_world import (
    Route,
    World,
    bodies,
    build_world,
    reader_of,
    refused_tokens,
    route_table,
)
from tests.support.compute_api import Compute
from tests.support.volumes_api import project_of

DISCOVERY = {"/identity", "/identity/v3", "/compute", "/compute/v2", "/compute/v2.1", "/image",
             "/image/v2", "/volume", "/volume/v3", "/network", "/network/v2.0"}
# Routes that take no token, each with its reason.
PUBLIC = {
    **{f"GET {path}{slash}": "version discovery: clients read it before they authenticate"
       for path in DISCOVERY for slash in ("", "/")},
    "POST /identity/v3/auth/tokens": "issuing a token is how a caller authenticates",
    "POST /identity/v3/users/{user_id}/password":
        "Keystone's self-service password change authenticates by the original password",
    "GET /metrics": "Prometheus scrape: counters by route template and state, no project data",
    "GET /dashboard": "the dashboard's page holds no data; its API calls carry the user's token",
    "GET /dashboard/static/{name}": "the dashboard's static files (scripts, styles)",
    **{f"{method} /ec2{slash}": "the EC2 Query API: each request is signed with an EC2 access "
       "key (AWS SigV4), never given a token; tests/integration/api/test_ec2_*.py cover it"
       for method in ("GET", "POST") for slash in ("", "/")},
}
# Path parameters that name something of project A (the others name the operator's things,
# such as hosts, or shared ones, such as roles and extensions).
A_OWNED = {"project_id", "target_id", "user_id", "flavorid", "key", "name", "image_id", "tag",
           "server_id", "request_id", "group_id", "network_id", "ref", "port_id",
           "floating_ip_id", "volume_id", "member_id", "task_id", "app_credential_id",
           "rule_id", "access", "credential_id", "trust_id", "router_id", "backup_id",
           "transfer_id", "message_id", "volume_group_id", "group_snapshot_id"}
# Routes whose body or X-Subject-Token, rather than path, points at A's things.
TARGETS_A_OTHERWISE = {"POST /network/v2.0/ports", "POST /network/v2.0/floatingips",
                       "GET /identity/v3/auth/tokens", "HEAD /identity/v3/auth/tokens",
                       "DELETE /identity/v3/auth/tokens"}
# Routes on A's things that another project's member may call, each with its reason.
B_MAY = {
    **{f"POST /volume/v3/{{project_id}}/{kind}/{{transfer_id}}/accept":
       "a transfer is accepted by another project: with a wrong key it is Cinder's 400"
       for kind in ("os-volume-transfer", "volume-transfers")},
    "GET /compute/v2.1/os-quota-sets/{project_id}/defaults":
        "Nova's defaults policy is '@': the cloud-wide defaults, nothing of A's",
}
# Mutating routes a reader may call, each with its reason.
READER_MAY = {
    "POST /compute/v2.1/os-keypairs": "keypairs belong to users, not projects (Nova's default)",
}
# Mutating routes on which a reader's refusal is 404: the resource is per user (Nova's keypairs
# are looked up under the caller's own user), so another user's does not exist for them.
# `DELETE /images/`, `/os-volumes/` and `/os-security-groups/` name nothing at all: 404 for
# everyone, as in Nova (and in Glance for its own `/v2/images/`).
READER_404 = {"DELETE /compute/v2.1/os-keypairs/{name}", "DELETE /compute/v2.1/images/",
              "DELETE /compute/v2.1/os-volumes/", "DELETE /image/v2/images/",
              "DELETE /compute/v2.1/os-security-groups/",
              "PUT /volume/v3/{project_id}/volumes/", "DELETE /volume/v3/{project_id}/volumes/",
              # Neutron's agents are for admins: one the caller may not read is not found.
              "PUT /network/v2.0/agents/{agent_id}", "DELETE /network/v2.0/agents/{agent_id}",
              # Server tags exist from 2.26; the matrix's changes ask for no microversion
              *(f"{m} /compute/v2.1/servers/{{server_id}}/tags{t}" for m in ("PUT", "DELETE")
                for t in ("", "/{tag}")),
              # ... server shares from 2.97 and remote consoles from 2.6 (their policies:
              # test_compute_v292.py)
              "POST /compute/v2.1/servers/{server_id}/remote-consoles",
              "POST /compute/v2.1/servers/{server_id}/shares",
              "DELETE /compute/v2.1/servers/{server_id}/shares/{share_id}",
              # ... and a server's migrations' force-complete from 2.22, abort from 2.24
              "POST /compute/v2.1/servers/{server_id}/migrations/{migration_id}/action",
              "DELETE /compute/v2.1/servers/{server_id}/migrations/{migration_id}"}
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
# Routes Nova removed at some microversion, read at the newest one that still has them.
BEFORE = {"GET /compute/v2.1/os-hypervisors/{pattern}/search": "2.52",
          "GET /compute/v2.1/os-hypervisors/{pattern}/servers": "2.52",
          "GET /compute/v2.1/os-hosts/{host_name}": "2.42",
          **{f"GET /compute/v2.1/os-hosts/{{host_name}}/{action}": "2.42"
             for action in ("startup", "shutdown", "reboot")},
          **{f"GET /compute/v2.1/images/{{image_id}}{path}": "2.35"
             for path in ("", "/metadata", "/metadata/{key}")},
          "GET /compute/v2.1/os-volumes/{volume_id}": "2.35",
          "GET /compute/v2.1/os-snapshots/{snapshot_id}": "2.35",
          "GET /compute/v2.1/os-networks/{network_id}": "2.35",
          "GET /compute/v2.1/os-tenant-networks/{network_id}": "2.35",
          "GET /compute/v2.1/os-security-groups/{security_group_id}": "2.35",
          "GET /compute/v2.1/os-floating-ips/{floating_ip_id}": "2.35",
          # /servers under its old name, gone at 2.103
          **{f"GET /compute/v2.1/os-volumes_boot{path}": "2.102"
             for path in ("", "/detail", "/{server_id}")},
          # and those Nova added at a microversion, read at it
          "GET /compute/v2.1/servers/{server_id}/topology": "2.78",
          **{f"GET /compute/v2.1/servers/{{server_id}}/shares{path}": "2.97"
             for path in ("", "/{share_id}")},
          **{f"GET /compute/v2.1/servers/{{server_id}}/migrations{path}": "2.23"
             for path in ("", "/{migration_id}")}}
# Routes whose every answer to an authorised caller is 501, as Nova's libvirt driver answers.
NOT_IMPLEMENTED = {f"GET /compute/v2.1/os-hosts/{{host_name}}/{action}"
                   for action in ("startup", "shutdown", "reboot")}
# GET routes that read nothing, with what an authorised caller gets: Cinder's `volumes/` names
# no volume; its qos associations are commands behind GET, the type in the query (none: 400).
NOT_READS = {"GET /volume/v3/{project_id}/volumes/": {404},
             # no share service: a server has no share attachments to show
             "GET /compute/v2.1/servers/{server_id}/shares/{share_id}": {404},
             # the server is not live-migrating: no migration of it is in progress
             "GET /compute/v2.1/servers/{server_id}/migrations/{migration_id}": {404},
             # an encryption spec named by the world's `key`, which is no encryption field
             "GET /volume/v3/{project_id}/types/{type_id}/encryption/{key}": {404},
             **{f"GET /volume/v3/{{project_id}}/qos-specs/{{qos_id}}/{command}": {400}
                for command in ("associate", "disassociate")},
             "GET /volume/v3/{project_id}/qos-specs/{qos_id}/disassociate_all": {202},
             # no compute worker runs in the world: the server's host never answers (Nova's
             # 409 after the wait), and A's member is not an admin (403)
             "GET /compute/v2.1/servers/{server_id}/diagnostics": {403, 409}}
PARAM = re.compile(r"{(\w+)}")
# Cinder routes that exist from a volume microversion, asked for at it.
VOLUME_AT = {"/volume/v3/{project_id}/backups/{backup_id}": "3.9",
             "/volume/v3/{project_id}/volume-transfers": "3.57",
             "/volume/v3/{project_id}/volumes/summary": "3.12",
             "/volume/v3/{project_id}/messages": "3.3",
             "/volume/v3/{project_id}/group_types": "3.11",
             "/volume/v3/{project_id}/groups": "3.20",
             "/volume/v3/{project_id}/group_snapshots": "3.19"}


def volume_version(route: Route) -> dict[str, str]:
    found = [v for prefix, v in VOLUME_AT.items() if route.path.startswith(prefix)]
    return {"OpenStack-API-Version": f"volume {found[0]}"} if found else {}
# Paths whose parameter names another thing of A's than the world's value of that name: a
# server's interface is the server's own port, not A's free port.
PATH_PARAMS = {"/compute/v2.1/servers/{server_id}/os-interface/{port_id}": {
    "port_id": "server_port_id"},
    # Cinder's hosts are its volume services' (`host@backend`), not Nova's compute hosts.
    "/volume/v3/{project_id}/os-hosts/{host_name}": {"host_name": "volume_host_name"}}
UUID_TEXT = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
# Refusals that are neither 403 nor 404, each with its reason.
REFUSED_OTHERWISE = {
    "/volume/v3/{project_id}": (400, "Cinder answers 'Malformed request url' when the project in "
                                     "the path is not the token's"),
}


def echoed(sent: str) -> str:
    """What the caller sent, with each uuid in both spellings: echoing it back is no leak."""
    ids = [UUID(found) for found in UUID_TEXT.findall(sent)]
    return sent + " ".join(f"{u.hex} {u}" for u in ids)


class Matrix:
    def __init__(self, world: World, other_project: str) -> None:
        self.world = world
        self.bodies = bodies(world, other_project)
        self.problems: list[str] = []

    def url(self, route: Route, **overrides: str) -> str:
        renamed = {name: self.world.params[value]
                   for name, value in PATH_PARAMS.get(route.path, {}).items()}
        params = {**self.world.params, **renamed, **overrides}
        missing = [p for p in PARAM.findall(route.path) if p not in params]
        assert not missing, f"{route}: no value for path parameter(s) {missing}: add to World"
        return PARAM.sub(lambda m: params[m.group(1)], route.path)

    def call(self, route: Route, token: str) -> tuple[Any, str]:
        key = str(route)
        if route.method in MUTATING:
            assert key in self.bodies, f"{route}: no body in test_authz_support.bodies"
        body = self.bodies.get(key)
        headers = {"X-Auth-Token": token, "X-Subject-Token": self.world.a["token"],
                   **volume_version(route)}
        sent = self.url(route) + repr(body)
        head = self.world.compute.cloud.app.head()
        if isinstance(body, bytes):
            response = self.world.client.request(
                route.method, self.url(route), content=body,
                headers={**headers, "Content-Type": "application/octet-stream"})
        elif isinstance(body, list):
            response = self.world.client.request(
                route.method, self.url(route), json=body,
                headers={**headers,
                         "Content-Type": "application/openstack-images-v2.1-json-patch"})
        else:
            response = self.world.client.request(route.method, self.url(route), json=body,
                                                 headers=headers)
        if response.status_code >= 500:
            self.problems.append(f"{route}: {response.status_code} {response.text[:200]}")
        self.moved = self.world.compute.cloud.app.head() != head
        return response, sent

    def targets_a(self, route: Route) -> bool:
        return (bool(A_OWNED & set(PARAM.findall(route.path)))
                or str(route) in TARGETS_A_OTHERWISE)

    def leaks(self, who: str, route: Route, response: Any, sent: str) -> None:
        sent = echoed(sent)
        shown = [s for s in self.world.secrets if s in response.text and s not in sent]
        if shown:
            self.problems.append(f"{who} {route}: response shows A's {shown}: "
                                 f"{response.status_code} {response.text[:300]}")

    def expect(self, who: str, route: Route, response: Any, statuses: set[int],
               unchanged: bool = True) -> None:
        if response.status_code not in statuses:
            self.problems.append(f"{who} {route}: {response.status_code} (expected "
                                 f"{sorted(statuses)}) {response.text[:150]}")
        if unchanged and self.moved:
            self.problems.append(f"{who} {route}: refused, yet an event was recorded")


def guarded(routes: list[Route]) -> list[Route]:
    return [r for r in routes if str(r) not in PUBLIC]


def test_public_routes_are_the_listed_ones(world: World) -> None:
    served = {str(r) for r in route_table(world.client.app)}
    assert set(PUBLIC) - served == set(), "a listed public route is no longer served"
    response = world.client.get("/compute/v2.1/servers")
    assert response.status_code == 401  # and a guarded one without a token is refused


def test_the_fixture_ids_are_real(world: World, admin: dict[str, str]) -> None:
    """The matrix means something only if every id it fills in names a real thing: A's member
    (or, for the operator's routes, the admin) can read every GET route with them."""
    matrix = Matrix(world, world.a["project_id"])
    # Cinder's URLs hold the token's project, an admin's too (its own operator routes).
    own = {"project_id": project_of(world.compute.cloud, {})}
    for route in guarded(route_table(world.client.app)):
        if route.method == "GET" and PARAM.search(route.path):
            version = {"OpenStack-API-Version": f"compute {BEFORE.get(str(route), '2.53')}",
                       "X-Subject-Token": world.a["token"]}
            if volume_version(route):
                version = {**version, **volume_version(route)}
            admin_url = matrix.url(route, **own) if route.path.startswith("/volume/") \
                else matrix.url(route)
            statuses = [world.client.get(url, headers={"X-Auth-Token": token, **version}
                                         ).status_code
                        for token, url in ((world.a["token"], matrix.url(route)),
                                           (admin["X-Auth-Token"], admin_url))]
            allowed = {501} if str(route) in NOT_IMPLEMENTED else NOT_READS.get(
                str(route), {200, 204})
            assert allowed & set(statuses), (str(route), statuses)


def test_another_projects_member_sees_and_changes_nothing_of_a(
        world: World, member_b: dict[str, str]) -> None:
    matrix = Matrix(world, member_b["project_id"])
    for route in route_table(world.client.app):
        if str(route) in PUBLIC and route.method != "GET":
            continue  # they take no token: nothing of B's to try
        response, sent = matrix.call(route, member_b["token"])
        matrix.leaks("member of B", route, response, sent)
        if matrix.targets_a(route) and str(route) not in PUBLIC | B_MAY:
            other = [status for prefix, (status, _) in REFUSED_OTHERWISE.items()
                     if route.path.startswith(prefix)]
            matrix.expect("member of B", route, response, {403, 404, *other})
    assert matrix.problems == [], "\n".join(matrix.problems)


def test_a_reader_changes_nothing(world: World) -> None:
    matrix = Matrix(world, world.a["project_id"])
    token = reader_of(world)
    for route in guarded(route_table(world.client.app)):
        response, _ = matrix.call(route, token)
        if route.method in MUTATING and str(route) not in READER_MAY:
            statuses = {403, 404} if str(route) in READER_404 else {403}
            matrix.expect("reader of A", route, response, statuses)
    assert matrix.problems == [], "\n".join(matrix.problems)


def test_expired_revoked_and_tampered_tokens_get_401(world: World) -> None:
    matrix = Matrix(world, world.a["project_id"])
    routes = guarded(route_table(world.client.app))
    for kind, token in refused_tokens(world).items():
        for route in routes:
            response, sent = matrix.call(route, token)
            matrix.expect(f"{kind} token", route, response, {401})
            matrix.leaks(f"{kind} token", route, response, sent)
    assert matrix.problems == [], "\n".join(matrix.problems)


@pytest.fixture
def world(compute: Compute, member_a: dict[str, str], admin: dict[str, str]) -> World:
    return build_world(compute, member_a, admin)
