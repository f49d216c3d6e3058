"""A rebuilt projection equals the live one, row for row, for every projection, on both stores.

The live read models are built incrementally, a request at a time (the API syncs them after each
write); the rebuild replays the whole log, in batches of its own, into freshly created tables. Any
difference (an order-dependent handler, a non-deterministic column, a missed event class) shows
up as a differing row.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from adapters import keys
from domain.context import RequestContext
from domain.services.compute.consoles import ConsoleService
from domain.services.control_services import ControlServices
from domain.services.storage.hosts import Capacity
from ops.bootstrap import Cloud
from tests.support.compute_api import Compute
from tests.support.identity import password_token
from tests.support.read_models import dump_all
from tests.support.rebuild_identity import drive_identity_extensions
from tests.support.rebuild_images import drive_images
from tests.support.rebuild_network import drive_network_agents
from tests.support.rebuild_volume_copies import drive_volume_copies
from tests.support.rebuild_volume_types import drive_group_types_and_encryption
from tests.support.volumes_api import project_of


class Api:
    """Admin requests that must succeed; `create` returns the new resource's id."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def __call__(self, method: str, path: str, body: Any = None,
                 headers: dict[str, str] | None = None) -> Any:
        response = self.client.request(method, path, json=body, headers=headers or self.headers)
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def create(self, path: str, kind: str, fields: dict[str, Any]) -> str:
        return str(self("POST", path, {kind: fields})[kind]["id"])


def drive_projects(api: Api) -> dict[str, str]:
    ids = {name: api.create("/identity/v3/projects", "project", {"name": name, "description": "x"})
           for name in ("rb-p1", "rb-p2", "rb-gone")}
    api("PATCH", f"/identity/v3/projects/{ids['rb-p2']}", {"project": {"description": "second"}})
    api("DELETE", f"/identity/v3/projects/{ids.pop('rb-gone')}")
    return ids


def drive_users(api: Api, ids: dict[str, str]) -> None:
    for name, project in (("rb-u1", "rb-p1"), ("rb-u2", "rb-p2"), ("rb-u3", "rb-p2")):
        ids[name] = api.create("/identity/v3/users", "user", {
            "name": name, "password": "pw-" + name, "default_project_id": ids[project],
            "email": f"{name}@example.org"})
    users = "/identity/v3/users/"
    api("PATCH", users + ids["rb-u1"], {"user": {"email": "new@example.org"}})
    api("PATCH", users + ids["rb-u1"], {"user": {"password": "pw2-rb-u1"}})
    api("PATCH", users + ids["rb-u2"], {"user": {"enabled": False}})


def drive_roles(api: Api, ids: dict[str, str]) -> None:
    ids["rb-auditor"] = api.create("/identity/v3/roles", "role", {"name": "rb-auditor"})
    roles = api("GET", "/identity/v3/roles?name=member")["roles"]
    ids["member"] = roles[0]["id"]
    grants = "/identity/v3/projects/{}/users/{}/roles/{}"
    for project, user, role in (("rb-p1", "rb-u1", "member"), ("rb-p2", "rb-u1", "rb-auditor"),
                                ("rb-p2", "rb-u3", "member"), ("rb-p2", "rb-u2", "member")):
        api("PUT", grants.format(ids[project], ids[user], ids[role]))
    api("DELETE", grants.format(ids["rb-p2"], ids["rb-u2"], ids["member"]))
    api("PUT", f"/identity/v3/system/users/{ids['rb-u2']}/roles/{ids['member']}")
    viewer = api.create("/identity/v3/roles", "role", {"name": "rb-viewer"})
    for implied in (viewer, ids["member"]):
        api("PUT", f"/identity/v3/roles/{ids['rb-auditor']}/implies/{implied}")
    api("DELETE", f"/identity/v3/roles/{ids['rb-auditor']}/implies/{ids['member']}")
    api("DELETE", f"/identity/v3/users/{ids['rb-u3']}")


def drive_domains_and_groups(api: Api, ids: dict[str, str]) -> None:
    v3 = "/identity/v3"
    for name in ("rb-d1", "rb-d2"):
        ids[name] = api.create(f"{v3}/domains", "domain", {"name": name})
    api("PATCH", f"{v3}/domains/{ids['rb-d1']}", {"domain": {"description": "first"}})
    api("PATCH", f"{v3}/domains/{ids['rb-d2']}", {"domain": {"enabled": False}})
    api("DELETE", f"{v3}/domains/{ids['rb-d2']}")
    for name in ("rb-g1", "rb-g2"):
        ids[name] = api.create(f"{v3}/groups", "group", {"name": name, "domain_id": ids["rb-d1"]})
    api("PATCH", f"{v3}/groups/{ids['rb-g1']}", {"group": {"description": "g"}})
    for user in ("rb-u1", "rb-u2"):
        api("PUT", f"{v3}/groups/{ids['rb-g1']}/users/{ids[user]}")
    api("DELETE", f"{v3}/groups/{ids['rb-g1']}/users/{ids['rb-u2']}")
    api("PUT", f"{v3}/projects/{ids['rb-p2']}/groups/{ids['rb-g1']}/roles/{ids['member']}")
    api("PUT", f"{v3}/system/groups/{ids['rb-g1']}/roles/{ids['member']}")
    api("DELETE", f"{v3}/groups/{ids['rb-g2']}")


def drive_app_credentials(api: Api, user_id: str, member: dict[str, str]) -> None:
    url = f"/identity/v3/users/{user_id}/application_credentials"
    rule = {"path": "/v2.1/servers", "method": "GET", "service": "compute"}
    kept = api("POST", url, {"application_credential": {"name": "rb-ac1", "access_rules": [rule]}},
               headers=member)["application_credential"]
    gone = api("POST", url, {"application_credential": {"name": "rb-ac2", "access_rules": [
        {**rule, "service": "image"}]}}, headers=member)["application_credential"]
    api("DELETE", f"{url}/{gone['id']}", headers=member)
    rules = f"/identity/v3/users/{user_id}/access_rules"
    api("DELETE", f"{rules}/{gone['access_rules'][0]['id']}", headers=member)
    assert kept["access_rules"]
    ec2 = f"/identity/v3/users/{user_id}/credentials/OS-EC2"
    project = api("GET", "/identity/v3/projects?name=rb-p1")["projects"][0]["id"]
    for _ in range(2):
        access = api("POST", ec2, {"tenant_id": project}, headers=member)["credential"]["access"]
    api("DELETE", f"{ec2}/{access}", headers=member)
    other = api.create("/identity/v3/credentials", "credential", {
        "user_id": user_id, "type": "cert", "blob": "x"})
    api("PATCH", f"/identity/v3/credentials/{other}", {"credential": {"blob": "y"}})
    trusts = "/identity/v3/OS-TRUST/trusts"
    admin_id = api("GET", "/identity/v3/users?name=admin")["users"][0]["id"]
    for _ in range(2):
        trust = api("POST", trusts, {"trust": {
            "trustor_user_id": user_id, "trustee_user_id": admin_id, "project_id": project,
            "impersonation": True, "roles": [{"name": "member"}]}}, headers=member)["trust"]
    api("DELETE", f"{trusts}/{trust['id']}", headers=member)


def drive_catalog(api: Api) -> None:
    v3 = "/identity/v3"
    api("PUT", f"{v3}/regions/rb-r1", {"region": {"description": "one"}})
    api("PATCH", f"{v3}/regions/rb-r1", {"region": {"description": "first"}})
    api("POST", f"{v3}/regions", {"region": {"id": "rb-r2", "parent_region_id": "rb-r1"}})
    api("DELETE", f"{v3}/regions/rb-r2")
    service = api.create(f"{v3}/services", "service", {"type": "rb-dns", "name": "dns"})
    api("PATCH", f"{v3}/services/{service}", {"service": {"description": "names"}})
    for interface in ("public", "admin"):
        api("POST", f"{v3}/endpoints", {"endpoint": {
            "service_id": service, "interface": interface, "url": "http://rb/$(project_id)s",
            "region": "rb-r3"}})
    endpoint = api.create(f"{v3}/endpoints", "endpoint", {
        "service_id": service, "interface": "internal", "url": "http://rb", "region_id": "rb-r1"})
    api("PATCH", f"{v3}/endpoints/{endpoint}", {"endpoint": {"enabled": False}})
    for blob in ("a", "b"):
        policy = api.create(f"{v3}/policies", "policy", {"blob": blob, "type": "t"})
    api("PATCH", f"{v3}/policies/{policy}", {"policy": {"type": "u"}})
    api("DELETE", f"{v3}/policies/{policy}")
    gone = api.create(f"{v3}/services", "service", {"type": "rb-gone"})
    api("POST", f"{v3}/endpoints", {"endpoint": {
        "service_id": gone, "interface": "public", "url": "http://gone"}})
    api("DELETE", f"{v3}/services/{gone}")
    drive_identity_extensions(api)


def drive_flavors(api: Api, ids: dict[str, str]) -> None:
    base = "/compute/v2.1/flavors"
    for fid, public in (("rb-small", True), ("rb-private", False), ("rb-gone", True)):
        api("POST", base, {"flavor": {"name": fid, "id": fid, "ram": 256, "vcpus": 1, "disk": 1,
                                      "os-flavor-access:is_public": public}})
    for project in ("rb-p1", "rb-p2"):
        api("POST", f"{base}/rb-private/action", {"addTenantAccess": {"tenant": ids[project]}})
    api("POST", f"{base}/rb-private/action", {"removeTenantAccess": {"tenant": ids["rb-p2"]}})
    api("POST", f"{base}/rb-small/os-extra_specs",
        {"extra_specs": {"hw:cpu_policy": "dedicated", "rb:scratch": "1"}})
    api("DELETE", f"{base}/rb-small/os-extra_specs/rb:scratch")
    api("PUT", f"{base}/rb-small", {"flavor": {"description": "small, dedicated"}},
        headers={**api.headers, "OpenStack-API-Version": "compute 2.55"})
    api("DELETE", f"{base}/rb-gone")


def drive_keypairs_and_quotas(api: Api, ids: dict[str, str], member: dict[str, str]) -> None:
    for name in ("rb-key1", "rb-key2", "rb-key3"):
        _, public = keys.generate()
        api("POST", "/compute/v2.1/os-keypairs", {"keypair": {"name": name, "public_key": public}},
            headers=member)
    api("POST", "/compute/v2.1/os-keypairs", {"keypair": {"name": "rb-generated"}},
        headers=member)
    api("DELETE", "/compute/v2.1/os-keypairs/rb-key2", headers=member)
    for project, limits in (("rb-p1", {"key_pairs": 10, "instances": 4}),
                            ("rb-p2", {"cores": 8, "ram": 4096})):
        api("PUT", f"/compute/v2.1/os-quota-sets/{ids[project]}", {"quota_set": limits})


def drive_servers(fleet: Compute, api: Api, member: dict[str, str]) -> None:
    """Servers in a group, a lock, a delete; the compute helpers stand in for the worker."""
    group = api("POST", "/compute/v2.1/os-server-groups", {"server_group": {
        "name": "rb-group", "policies": ["anti-affinity"]}}, headers=member)["server_group"]
    kept = fleet.active(member, hints={"group": group["id"]})
    assert fleet.action(member, kept, {"lock": None}).status_code == 202
    gone = fleet.active(member)
    consoles = ConsoleService(fleet.cloud.app)
    for server, output in ((kept, "boot\n"), (kept, "boot\nlogin: "), (gone, "bye\n")):
        consoles.write(UUID(server), "host-1", output)
    consoles.remove(UUID(gone), "host-1")
    api("DELETE", f"/compute/v2.1/servers/{gone}", headers=member)
    fleet.deleted(gone)


def drive_aggregates(api: Api) -> None:
    """Aggregates renamed, given hosts, metadata and a zone; one deleted."""
    made = [api("POST", "/compute/v2.1/os-aggregates", {"aggregate": {"name": name}})[
        "aggregate"]["id"] for name in ("rb-agg1", "rb-agg2")]
    kept, gone = made
    path = f"/compute/v2.1/os-aggregates/{kept}"
    api("PUT", path, {"aggregate": {"name": "rb-agg", "availability_zone": "rb-zone"}})
    for action in ({"add_host": {"host": "host-1"}}, {"add_host": {"host": "host-2"}},
                   {"remove_host": {"host": "host-2"}},
                   {"set_metadata": {"metadata": {"ssd": "true", "rack": "r1"}}},
                   {"set_metadata": {"metadata": {"rack": None}}}):
        api("POST", f"{path}/action", action)
    api("DELETE", f"/compute/v2.1/os-aggregates/{gone}")


def drive_volumes(fleet: Compute, api: Api, member: dict[str, str], project_id: str) -> None:
    """Volumes through their statuses; the volume service's outcomes stand in for the worker."""
    base, worker = f"/volume/v3/{project_id}/volumes", RequestContext(user_id="storage-worker")
    made = [api("POST", base, {"volume": {"size": 1, "name": n}}, headers=member)["volume"]["id"]
            for n in ("rb-vol", "rb-gone", "rb-broken")]
    kept, gone, broken = made
    for volume_id in (kept, gone):
        fleet.cloud.volumes.created(worker, volume_id, f"/pool/{volume_id}")
    fleet.cloud.volumes.create_failed(worker, broken, "pool full")
    api("PUT", f"{base}/{kept}", {"volume": {"description": "kept"}}, headers=member)
    api("POST", f"{base}/{kept}/action", {"os-extend": {"new_size": 2}}, headers=member)
    fleet.cloud.volumes.extended(worker, kept, 2)
    server = fleet.active(member)
    api("POST", f"/compute/v2.1/servers/{server}/os-volume_attachments",
        {"volumeAttachment": {"volumeId": kept}}, headers=member)
    attachment = fleet.cloud.volumes.load(kept).attachment
    fleet.cloud.volumes.attached(worker, kept, attachment["attachment_id"], "host-1", "/dev/vdb")
    drive_snapshots(fleet, api, member, project_id, kept)
    drive_volume_copies(fleet.cloud, api, member, project_id, kept)
    api("DELETE", f"{base}/{gone}", headers=member)
    fleet.cloud.volumes.deleted(worker, gone)


def drive_snapshots(fleet: Compute, api: Api, member: dict[str, str], project_id: str,
                    volume_id: str) -> None:
    """Snapshots of an in-use volume: one kept (updated, with a volume made from it), one
    deleted; the snapshot service's outcomes stand in for the worker."""
    base, worker = f"/volume/v3/{project_id}", RequestContext(user_id="storage-worker")
    shots = [api("POST", f"{base}/snapshots", {"snapshot": {
        "volume_id": volume_id, "force": True, "name": n}}, headers=member)["snapshot"]["id"]
        for n in ("rb-snap", "rb-snap-gone")]
    for shot in shots:
        fleet.cloud.volume_snapshots.created(worker, shot, f"/pool/snapshot-{shot}")
    kept, gone = shots
    api("PUT", f"{base}/snapshots/{kept}", {"snapshot": {"description": "kept"}},
        headers=member)
    api("POST", f"{base}/volumes", {"volume": {"snapshot_id": kept}}, headers=member)
    api("DELETE", f"{base}/snapshots/{gone}", headers=member)
    fleet.cloud.volume_snapshots.deleted(worker, gone)


def drive_security_groups(fleet: Compute, api: Api, member: dict[str, str]) -> None:
    """Groups and rules, a cascade through a remote group, ports joining and leaving, and a
    default group an admin deletes that comes back."""
    net = "/network/v2.0"
    mine = Api(api.client, member)
    web = mine.create(f"{net}/security-groups", "security_group", {"name": "rb-web"})
    db = mine.create(f"{net}/security-groups", "security_group", {"name": "rb-db"})
    api("PUT", f"{net}/security-groups/{db}", {"security_group": {"description": "d"}})
    rules = [mine.create(f"{net}/security-group-rules", "security_group_rule", {
        "security_group_id": db, "direction": "ingress", "protocol": proto,
        "remote_group_id": web}) for proto in ("tcp", "udp")]
    api("DELETE", f"{net}/security-group-rules/{rules[0]}")
    server = fleet.active(member)
    api("POST", f"/compute/v2.1/servers/{server}/action",
        {"addSecurityGroup": {"name": "rb-db"}}, headers=member)
    api("POST", f"/compute/v2.1/servers/{server}/action",
        {"removeSecurityGroup": {"name": "default"}}, headers=member)
    own = project_of(fleet.cloud, api.headers)
    listed = api("GET", f"{net}/security-groups?name=default&project_id={own}")
    [default] = listed["security_groups"]
    api("DELETE", f"{net}/security-groups/{default['id']}")  # the admin project's: unused
    api("GET", f"{net}/security-groups")  # made again
    api("DELETE", f"{net}/security-groups/{web}")
def drive_volume_types(fleet: Compute, api: Api, member: dict[str, str],
                       project_id: str) -> None:
    """Types (specs, access, renames, one deleted), qos-specs and their associations, and a
    volume service registered, beating and disabled; a volume made and retyped with a type."""
    admin_project = project_of(fleet.cloud, {})
    types, qos = f"/volume/v3/{admin_project}/types", f"/volume/v3/{admin_project}/qos-specs"
    gold = api.create(types, "volume_type", {"name": "rb-gold", "extra_specs": {"a": "1"}})
    private = api.create(types, "volume_type", {"name": "rb-private",
                                                "os-volume-type-access:is_public": False})
    gone = api.create(types, "volume_type", {"name": "rb-gone"})
    api("POST", f"{types}/{gold}/extra_specs", {"extra_specs": {"b": "2"}})
    api("DELETE", f"{types}/{gold}/extra_specs/a")
    api("PUT", f"{types}/{gold}", {"volume_type": {"name": "rb-au", "description": "d"}})
    api("POST", f"{types}/{private}/action", {"addProjectAccess": {"project": project_id}})
    api("DELETE", f"{types}/{gone}")
    limits = api.create(qos, "qos_specs", {"name": "rb-qos", "read_iops_sec": "10"})
    api("PUT", f"{qos}/{limits}", {"qos_specs": {"iops": "5"}})
    api("PUT", f"{qos}/{limits}/delete_keys", {"keys": ["read_iops_sec"]})
    for type_id in (gold, private):
        api("GET", f"{qos}/{limits}/associate?vol_type_id={type_id}")
    api("GET", f"{qos}/{limits}/disassociate?vol_type_id={private}")
    worker = RequestContext(user_id="volume:rb-vol")
    fleet.cloud.volume_hosts.register(worker, "rb-vol", "rb-pool", "nova", Capacity(10, 9))
    fleet.cloud.volume_hosts.heartbeat(worker, "rb-vol", Capacity(10, 8))
    fleet.cloud.volume_hosts.disable(worker, "rb-vol", "maintenance")
    control, api_process = ControlServices(fleet.cloud.app), RequestContext(user_id="control:rb")
    for zone in ("nova", "az-2", "az-2"):  # registered, rezoned, beat
        control.beat(api_process, "rb-api", {"nova-scheduler": "internal",
                                              "cinder-scheduler": zone})
    base = f"/volume/v3/{project_id}/volumes"
    typed = api("POST", base, {"volume": {"size": 1, "volume_type": "rb-private"}},
                headers=member)["volume"]["id"]
    fleet.cloud.volumes.created(worker, typed, f"/pool/{typed}")
    api("POST", f"{base}/{typed}/action", {"os-retype": {"new_type": "rb-au"}}, headers=member)
    drive_group_types_and_encryption(api, admin_project)


def drive_routers(api: Api, member: dict[str, str]) -> None:
    """A router with a gateway, an interface added and removed, one kept, routes, a delete;
    tags on the kept router and the subnet."""
    net = "/network/v2.0"
    mine = Api(api.client, member)
    public = mine("GET", f"{net}/networks?router:external=True")["networks"][0]["id"]
    network = mine.create(f"{net}/networks", "network", {"name": "rb-rnet"})
    subnet = mine.create(f"{net}/subnets", "subnet", {"network_id": network,
                                                      "cidr": "10.77.0.0/24", "ip_version": 4})
    kept = mine.create(f"{net}/routers", "router", {
        "name": "rb-router", "external_gateway_info": {"network_id": public}})
    gone = mine.create(f"{net}/routers", "router", {"name": "rb-gone"})
    mine("PUT", f"{net}/routers/{gone}/add_router_interface", {"subnet_id": subnet})
    mine("PUT", f"{net}/routers/{gone}/remove_router_interface", {"subnet_id": subnet})
    mine("DELETE", f"{net}/routers/{gone}")
    mine("PUT", f"{net}/routers/{kept}/add_router_interface", {"subnet_id": subnet})
    mine("PUT", f"{net}/routers/{kept}", {"router": {"name": "rb-router2", "routes": [
        {"destination": "10.99.0.0/24", "nexthop": "10.77.0.9"}]}})
    # Tags (standard-attr-tag): set, added to, one removed.
    mine("PUT", f"{net}/routers/{kept}/tags", {"tags": ["rb-a", "rb-b"]})
    mine("PUT", f"{net}/subnets/{subnet}/tags/rb-c")
    mine("DELETE", f"{net}/routers/{kept}/tags/rb-a")


def drive_workload(fleet: Compute, admin: dict[str, str]) -> None:
    """Every kind of command the API offers so far, with updates and deletes among them."""
    api = Api(fleet.client, admin)
    ids = drive_projects(api)
    drive_users(api, ids)
    drive_roles(api, ids)
    drive_domains_and_groups(api, ids)
    drive_catalog(api)
    drive_flavors(api, ids)
    member = {"X-Auth-Token": password_token(api.client, "rb-u1", "pw2-rb-u1", "rb-p1")}
    drive_keypairs_and_quotas(api, ids, member)
    drive_app_credentials(api, ids["rb-u1"], member)
    drive_images(fleet.cloud, api)
    drive_aggregates(api)
    drive_servers(fleet, api, member)
    drive_volumes(fleet, api, member, ids["rb-p1"])
    drive_security_groups(fleet, api, member)
    drive_volume_types(fleet, api, member, ids["rb-p1"])
    drive_routers(api, member)
    drive_network_agents(fleet.cloud, api)
    fleet.cloud.sync_read_models()


def test_rebuilt_projections_equal_live_ones(
    cloud: Cloud, compute: Compute, admin: dict[str, str]
) -> None:
    drive_workload(compute, admin)
    live = dump_all(cloud.store)
    for name, tables in live.items():
        # An empty projection would pass vacuously: a new projection needs its commands above.
        assert any(tables.values()), f"the workload left projection {name} empty: extend it"
    head = cloud.app.head()
    for runner in cloud.runners.values():
        runner.batch_size = 7  # many small batches: batch boundaries must not matter either
        assert runner.rebuild() == head
    rebuilt = dump_all(cloud.store)
    for name in live:
        for table in live[name]:
            assert rebuilt[name][table] == live[name][table], f"{name}.{table} differs"
