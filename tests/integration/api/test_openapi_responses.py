"""The OpenAPI document's success bodies (generated from api/responses/) against what a normal flow
really answers, on both stores, at the oldest and newest compute microversions and as a member
and an admin (who see more keys); and against deliberately broken bodies, which they must refuse,
so that the fuzzer's response check (test_fuzz_openapi.py) means something."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from api.discovery import COMPUTE_MAX, COMPUTE_MIN
from api.microversions import Version
from tests.support.compute_api import Compute, spawned, volume_bdm
from tests.support.keypairs_api import NOVA_KEY
from tests.support.openapi_backups import check_backup_bodies
from tests.support.openapi_checks import Checked, documented
from tests.support.openapi_groups import check_group_bodies
from tests.support.openapi_routers import check_router_bodies
from tests.support.openapi_transfers import check_transfer_bodies
from tests.support.volumes_api import Volumes, project_of

V21, NET, V3 = "/compute/v2.1", "/network/v2.0", "/identity/v3"


@pytest.fixture
def checked(client: TestClient) -> Checked:
    return Checked(client)


@pytest.mark.parametrize("version", [COMPUTE_MIN, "2.47", COMPUTE_MAX])
def test_compute_bodies_match_the_document(compute: Compute, volumes: Volumes,
                                           checked: Checked, member_a: dict[str, str],
                                           admin: dict[str, str], version: str) -> None:
    member = {"X-Auth-Token": member_a["token"]}
    server = {"name": "vm", "flavorRef": "1", "imageRef": compute.image, "metadata": {"k": "v"}}
    if Version.of(version) >= "2.37":  # from 2.37 a boot must say which networks
        server["networks"] = "auto"
    created = checked.call("post", f"{V21}/servers", member, version, json={"server": server})
    server_id = created["server"]["id"]
    compute.spawned(server_id)
    for who in (member, admin):  # an admin sees the extended attributes and host_status
        shown = checked.call("get", f"{V21}/servers/{{server_id}}", who, version,
                             server_id=server_id)["server"]
        assert shown["status"] == "ACTIVE"
        checked.call("get", f"{V21}/servers", who, version)
        checked.call("get", f"{V21}/servers/detail", who, version)
    checked.call("put", f"{V21}/servers/{{server_id}}", member, version,
                 json={"server": {"name": "renamed"}}, server_id=server_id)
    attachments = f"{V21}/servers/{{server_id}}/os-volume_attachments"
    volume_id = volumes.ready(member_a)
    # From 2.101 the attach answers 202 with no body: its body is read at the last that has one.
    checked.call("post", attachments, member, str(min(Version.of(version), Version.of("2.100"))),
                 server_id=server_id, json={"volumeAttachment": {"volumeId": volume_id}})
    checked.call("get", attachments, member, version, server_id=server_id)
    checked.call("get", f"{attachments}/{{volume_id}}", member, version, server_id=server_id,
                 volume_id=volume_id)
    checked.call("get", f"{V21}/flavors", member, version)
    checked.call("get", f"{V21}/flavors/detail", member, version)
    checked.call("get", f"{V21}/flavors/{{flavorid}}", member, version, flavorid="1")
    # From 2.92 a keypair is imported only.
    checked.call("post", f"{V21}/os-keypairs", member, version, json={"keypair": {
        "name": "made", **({"public_key": NOVA_KEY} if Version.of(version) >= "2.92" else {})}})
    checked.call("get", f"{V21}/os-keypairs", member, version)
    checked.call("get", f"{V21}/os-keypairs/{{name}}", member, version, name="made")
    # One policy from 2.64, a list of them before.
    policy = ({"policy": "anti-affinity"} if Version.of(version) >= "2.64"
              else {"policies": ["anti-affinity"]})
    group = checked.call("post", f"{V21}/os-server-groups", member, version, json={
        "server_group": {"name": "g", **policy}})["server_group"]
    checked.call("get", f"{V21}/os-server-groups", member, version)
    checked.call("get", f"{V21}/os-server-groups/{{group_id}}", member, version,
                 group_id=group["id"])
    checked.call("get", f"{V21}/limits", member, version)
    project = member_a["project_id"]
    for path in ("", "/detail", "/defaults"):
        checked.call("get", f"{V21}/os-quota-sets/{{project_id}}{path}", member, version,
                     project_id=project)
    checked.call("put", f"{V21}/os-quota-sets/{{project_id}}", admin, version,
                 json={"quota_set": {"instances": 20}}, project_id=project)
    hypervisors = checked.call("get", f"{V21}/os-hypervisors", admin, version)["hypervisors"]
    checked.call("get", f"{V21}/os-hypervisors/detail", admin, version)
    checked.call("get", f"{V21}/os-hypervisors/{{hypervisor_id}}", admin, version,
                 hypervisor_id=str(hypervisors[0]["id"]))
    # Both removed in 2.88 (the detail shows the uptime): read at the last version with them.
    before_288 = "2.87" if Version.of(version) >= "2.88" else version
    checked.call("get", f"{V21}/os-hypervisors/statistics", admin, before_288)
    checked.call("get", f"{V21}/os-hypervisors/{{hypervisor_id}}/uptime", admin, before_288,
                 hypervisor_id=str(hypervisors[0]["id"]))
    gone = {("get", f"{V21}/os-hypervisors/{{pattern}}/{route}") for route in ("search", "servers")}
    if Version.of(version) < "2.53":  # both became query parameters of the list in 2.53
        for _, template in gone:
            checked.call("get", template, admin, version, pattern="host")
        gone = set()
    # /os-hosts is gone from 2.43; its power actions and maintenance mode are 501 (no body).
    gone |= {("get", f"{V21}/os-hosts/{{host_name}}/{action}")
             for action in ("startup", "shutdown", "reboot")}
    os_hosts = {("get", f"{V21}/os-hosts"), ("get", f"{V21}/os-hosts/{{host_name}}"),
                ("put", f"{V21}/os-hosts/{{host_name}}")}
    if Version.of(version) < "2.43":
        checked.call("get", f"{V21}/os-hosts", admin, version)
        checked.call("get", f"{V21}/os-hosts/{{host_name}}", admin, version, host_name="host-1")
        checked.call("put", f"{V21}/os-hosts/{{host_name}}", admin, version,
                     json={"status": "enable"}, host_name="host-1")
    else:
        gone |= os_hosts
    service = checked.call("get", f"{V21}/os-services", admin, version)["services"][0]
    if Version.of(version) >= "2.53":  # (as strings, "2.104" < "2.53")
        checked.call("put", f"{V21}/os-services/{{service_id}}", admin, version,
                     json={"status": "disabled"}, service_id=service["id"])
    else:
        checked.call("put", f"{V21}/os-services/{{service_id}}", admin, version,
                     json={"host": service["host"], "binary": service["binary"]},
                     service_id="disable")
    checked.call("post", f"{V21}/flavors", admin, version, json={"flavor": {
        "name": "small", "id": "small", "ram": 128, "vcpus": 1, "disk": 1}})
    if Version.of(version) >= "2.55":  # Nova's flavor update came with descriptions
        checked.call("put", f"{V21}/flavors/{{flavorid}}", admin, version,
                     json={"flavor": {"description": "d"}}, flavorid="small")
    specs = f"{V21}/flavors/{{flavorid}}/os-extra_specs"
    checked.call("post", specs, admin, version, json={"extra_specs": {"k": "v"}}, flavorid="small")
    checked.call("get", specs, admin, version, flavorid="small")
    checked.call("post", f"{V21}/flavors", admin, version, json={"flavor": {
        "name": "private", "id": "private", "ram": 128, "vcpus": 1, "disk": 1,
        "os-flavor-access:is_public": False}})
    checked.call("post", f"{V21}/flavors/{{flavorid}}/action", admin, version,
                 json={"addTenantAccess": {"tenant": project}}, flavorid="private")
    checked.call("get", f"{V21}/flavors/{{flavorid}}/os-flavor-access", admin, version,
                 flavorid="private")
    aggregates = f"{V21}/os-aggregates"
    aggregate = checked.call("post", aggregates, admin, version,
                             json={"aggregate": {"name": "agg", "availability_zone": "z"}})
    one = f"{aggregates}/{{aggregate_id}}"
    aggregate_id = str(aggregate["aggregate"]["id"])
    checked.call("get", aggregates, admin, version)
    checked.call("get", one, admin, version, aggregate_id=aggregate_id)
    checked.call("put", one, admin, version, json={"aggregate": {"name": "agg2"}},
                 aggregate_id=aggregate_id)
    checked.call("post", f"{one}/action", admin, version,
                 json={"add_host": {"host": "host-1"}}, aggregate_id=aggregate_id)
    checked.call("get", f"{V21}/os-availability-zone", member, version)
    checked.call("get", f"{V21}/os-availability-zone/detail", admin, version)
    checked.call("post", f"{V21}/servers/{{server_id}}/action", member, version,
                 json={"os-getConsoleOutput": {}}, server_id=server_id)
    checked.call("get", f"{V21}/servers/{{server_id}}/os-security-groups", member, version,
                 server_id=server_id)
    removed = security_group_proxies(checked, member, version)
    newer = {("put", f"{V21}/flavors/{{flavorid}}")} if Version.of(version) < "2.55" else set()
    topology = f"{V21}/servers/{{server_id}}/topology"
    if Version.of(version) >= "2.78":
        checked.call("get", topology, admin, version, server_id=server_id)
    else:
        newer.add(("get", topology))
    assert checked.seen == checked.modelled("compute") - newer - gone - removed


def security_group_proxies(checked: Checked, member: dict[str, str],
                           version: str) -> set[tuple[str, str]]:
    """Nova's security group proxies below 2.36; the ones it no longer has at `version`."""
    groups = f"{V21}/os-security-groups"
    one = f"{groups}/{{security_group_id}}"
    proxies = {("get", groups), ("post", groups), ("get", one), ("put", one),
               ("post", f"{V21}/os-security-group-rules")}
    if Version.of(version) >= "2.36":
        return proxies
    group = checked.call("post", groups, member, version, json={"security_group": {
        "name": "web", "description": "d"}})["security_group"]
    checked.call("put", one, member, version, security_group_id=group["id"],
                 json={"security_group": {"name": "web2", "description": "d2"}})
    checked.call("post", f"{V21}/os-security-group-rules", member, version, json={
        "security_group_rule": {"parent_group_id": group["id"], "ip_protocol": "tcp",
                                "from_port": 22, "to_port": 22}})
    checked.call("get", one, member, version, security_group_id=group["id"])
    checked.call("get", groups, member, version)
    return set()


def test_volume_bodies_match_the_document(volumes: Volumes, checked: Checked,
                                          member_a: dict[str, str],
                                          admin: dict[str, str]) -> None:
    base = "/volume/v3/{project_id}"
    member = {"X-Auth-Token": member_a["token"]}
    # Admins see the host attributes too.
    for who, project in ((member, member_a["project_id"]),
                         (admin, project_of(volumes.cloud, admin))):
        created = checked.call("post", f"{base}/volumes", who, json={"volume": {
            "size": 1, "name": "v", "metadata": {"k": "v"}}}, project_id=project)["volume"]
        assert created["status"] == "creating"
        volumes.report("created", created["id"], f"/pool/{created['id']}")
        shown = checked.call("get", f"{base}/volumes/{{volume_id}}", who, project_id=project,
                             volume_id=created["id"])["volume"]
        assert shown["status"] == "available"
        checked.call("put", f"{base}/volumes/{{volume_id}}", who, project_id=project,
                     volume_id=created["id"], json={"volume": {"description": "d"}})
        checked.call("get", f"{base}/volumes", who, project_id=project)
        checked.call("get", f"{base}/volumes/detail", who, project_id=project)
        checked.call("get", f"{base}/limits", who, project_id=project)
        quotas = f"{base}/os-quota-sets/{{target_id}}"
        checked.call("get", f"{quotas}/defaults", who, project_id=project, target_id=project)
        for usage in ("false", "true"):
            shown_quota = checked.call("get", quotas, who, params={"usage": usage},
                                       project_id=project, target_id=project)["quota_set"]
        assert shown_quota["volumes"]["in_use"] == 1
        snapshots = f"{base}/snapshots"
        snapshot = checked.call("post", snapshots, who, project_id=project, json={
            "snapshot": {"volume_id": created["id"], "name": "s"}})["snapshot"]
        checked.call("get", f"{snapshots}/{{snapshot_id}}", who, project_id=project,
                     snapshot_id=snapshot["id"])
        checked.call("put", f"{snapshots}/{{snapshot_id}}", who, project_id=project,
                     snapshot_id=snapshot["id"], json={"snapshot": {"description": "d"}})
        checked.call("get", snapshots, who, project_id=project)
        checked.call("get", f"{snapshots}/detail", who, project_id=project)
    check_backup_bodies(volumes, checked, {**admin, "OpenStack-API-Version": "volume 3.64"},
                        project, created["id"])
    check_transfer_bodies(volumes, checked, member_a, admin, member_a["project_id"], project)
    check_group_bodies(volumes, checked, admin, project, created["id"])
    checked.call("put", f"{base}/os-quota-sets/{{target_id}}", admin, project_id=project,
                 target_id=member_a["project_id"], json={"quota_set": {"volumes": 5}})
    checked.call("get", f"{base}/os-quota-class-sets/{{class_name}}", admin,
                 project_id=project, class_name="default")
    checked.call("put", f"{base}/os-quota-class-sets/{{class_name}}", admin,
                 project_id=project, class_name="default",
                 json={"quota_class_set": {"volumes": 10}})
    # Types and qos-specs have their own test (test_openapi_volume_types.py).
    assert checked.seen == checked.modelled("volume") - checked.modelled(
        "volume: types") - checked.modelled("volume: qos-specs")


def test_rarer_states_match_the_document(compute: Compute, volumes: Volumes,
                                         checked: Checked, member_a: dict[str, str],
                                         admin: dict[str, str]) -> None:
    """A server in ERROR with its fault, one booted from a volume (its image is ""), a volume
    made from an image and attached (its attachments and image metadata), a floating address."""
    member = {"X-Auth-Token": member_a["token"]}
    failed = compute.booted(member_a, flavorRef="5")  # m1.xlarge fits no host: ERROR
    root = volumes.ready(member_a, imageRef=compute.image, size=2)
    from_volume = checked.call("post", f"{V21}/servers", member, COMPUTE_MAX, json={"server": {
        "name": "bfv", "flavorRef": "1", "imageRef": "", "networks": "auto",
        "block_device_mapping_v2": [volume_bdm(root)]}})["server"]["id"]
    spawned(compute, from_volume, None)
    floating = checked.call("post", f"{NET}/floatingips", member, json={"floatingip": {}})
    port = compute.client.get(f"{NET}/ports", params={"device_id": from_volume},
                              headers=member).json()["ports"][0]
    checked.call("put", f"{NET}/floatingips/{{floating_ip_id}}", member,
                 floating_ip_id=floating["floatingip"]["id"],
                 json={"floatingip": {"port_id": port["id"]}})
    for version in (COMPUTE_MIN, COMPUTE_MAX):
        for who in (member, admin):
            error = checked.call("get", f"{V21}/servers/{{server_id}}", who, version,
                                 server_id=failed)["server"]
            assert error["status"] == "ERROR" and error["fault"]["code"] == 500
            shown = checked.call("get", f"{V21}/servers/{{server_id}}", who, version,
                                 server_id=from_volume)["server"]
            assert shown["image"] == "" and shown["os-extended-volumes:volumes_attached"]
            kinds = {a["OS-EXT-IPS:type"] for net in shown["addresses"].values() for a in net}
            assert kinds == {"fixed", "floating"}
            checked.call("get", f"{V21}/servers/detail", who, version)
    volume = checked.call("get", "/volume/v3/{project_id}/volumes/{volume_id}", member,
                          project_id=member_a["project_id"], volume_id=root)["volume"]
    assert volume["attachments"] and volume["volume_image_metadata"]


def test_network_bodies_match_the_document(compute: Compute, checked: Checked,
                                           member_a: dict[str, str],
                                           admin: dict[str, str]) -> None:
    member = {"X-Auth-Token": member_a["token"]}
    server_id = compute.booted(member_a, networks="auto", version="2.37")
    compute.spawned(server_id)
    network = checked.call("post", f"{NET}/networks", member,
                           json={"network": {"name": "net"}})["network"]
    checked.call("put", f"{NET}/networks/{{network_id}}", member, network_id=network["id"],
                 json={"network": {"name": "renamed", "mtu": 1400}})
    subnet = checked.call("post", f"{NET}/subnets", member, json={"subnet": {
        "network_id": network["id"], "cidr": "10.1.0.0/24", "ip_version": 4}})["subnet"]
    checked.call("put", f"{NET}/subnets/{{ref}}", member, ref=subnet["id"],
                 json={"subnet": {"dns_nameservers": ["10.1.0.53"]}})
    v6 = checked.call("post", f"{NET}/subnets", member, json={"subnet": {
        "network_id": network["id"], "cidr": "2001:db8::/64", "ip_version": 6,
        "ipv6_address_mode": "slaac", "ipv6_ra_mode": "slaac"}})["subnet"]
    assert checked.client.delete(f"{NET}/subnets/{v6['id']}",
                                 headers=member).status_code == 204
    network["subnets"] = [subnet["id"]]
    pool = checked.call("post", f"{NET}/subnetpools", member, json={"subnetpool": {
        "name": "pool", "prefixes": ["10.3.0.0/16"]}})["subnetpool"]
    checked.call("put", f"{NET}/subnetpools/{{pool_id}}", member, pool_id=pool["id"],
                 json={"subnetpool": {"name": "renamed"}})
    port = checked.call("post", f"{NET}/ports", member, json={"port": {
        "network_id": network["id"], "name": "p"}})["port"]
    checked.call("put", f"{NET}/ports/{{port_id}}", member, port_id=port["id"],
                 json={"port": {"name": "q"}})
    floating = checked.call("post", f"{NET}/floatingips", member,
                            json={"floatingip": {}})["floatingip"]
    # The server's port: its auto-made network needs no router for a floating IP.
    server_port = checked.client.get(f"{NET}/ports", params={"device_id": server_id},
                                     headers=member).json()["ports"][0]
    checked.call("put", f"{NET}/floatingips/{{floating_ip_id}}", member,
                 floating_ip_id=floating["id"],
                 json={"floatingip": {"port_id": server_port["id"]}})
    group = checked.call("post", f"{NET}/security-groups", member,
                         json={"security_group": {"name": "web"}})["security_group"]
    checked.call("put", f"{NET}/security-groups/{{security_group_id}}", member,
                 security_group_id=group["id"],
                 json={"security_group": {"description": "d"}})
    rule = checked.call("post", f"{NET}/security-group-rules", member, json={
        "security_group_rule": {"security_group_id": group["id"], "direction": "ingress",
                                "protocol": "tcp", "port_range_min": 22,
                                "port_range_max": 22}})["security_group_rule"]
    for who in (member, admin):  # admins see the provider attributes and every project's
        for collection, key, ident in (("security-groups", "security_group_id", group["id"]),
                                       ("security-group-rules", "security_group_rule_id",
                                        rule["id"]),
                                       ("networks", "network_id", network["id"]),
                                       ("subnets", "ref", network["subnets"][0]),
                                       ("ports", "port_id", port["id"]),
                                       ("subnetpools", "pool_id", pool["id"]),
                                       ("floatingips", "floating_ip_id", floating["id"])):
            listed = checked.call("get", f"{NET}/{collection}", who)[
                collection.replace("-", "_")]
            assert listed
            checked.call("get", f"{NET}/{collection}/{{{key}}}", who, **{key: ident})
        # Neutron's `fields` trims a body: a GET's schema must still hold.
        checked.call("get", f"{NET}/networks", who, params={"fields": "name"})
    check_router_bodies(checked, member, admin, subnet["id"])
    assert checked.seen == checked.modelled("network")


def test_every_documented_body_refuses_an_empty_object(checked: Checked) -> None:
    modelled = [(method, path, operation) for path, operations in checked.paths.items()
                for method, operation in operations.items() if documented(operation)]
    assert len(modelled) > 60
    for method, path, operation in modelled:
        for status in documented(operation):
            schema = checked.schema(method, path, int(status))
            assert not jsonschema_rs.is_valid(schema, {}), (method, path)
            assert not jsonschema_rs.is_valid(schema, []), (method, path)


def broken(body: Any, *path: str | int, value: Any = KeyError) -> Any:
    """A copy of `body` with the key at `path` removed (or set to `value`)."""
    copied = copy.deepcopy(body)
    parent = copied
    for step in path[:-1]:
        parent = parent[step]
    if value is KeyError:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copied


def test_wrong_bodies_fail_validation(compute: Compute, checked: Checked,
                                      volumes: Volumes, member_a: dict[str, str]) -> None:
    member = {"X-Auth-Token": member_a["token"]}
    server = checked.call("get", f"{V21}/servers/{{server_id}}", member, COMPUTE_MAX,
                          server_id=compute.active(member_a))
    schema = checked.schema("get", f"{V21}/servers/{{server_id}}", 200)
    assert jsonschema_rs.is_valid(schema, server)
    for wrong in (broken(server, "server", "id"), broken(server, "server", "status"),
                  broken(server, "server", "status", value="RUNNING"),
                  broken(server, "server", "flavor", value={"name": "m1.tiny"}),
                  broken(server, "server", "OS-EXT-STS:power_state", value="running"),
                  broken(server, "server", "links", 0, "href"),
                  broken(server, "server", "locked", value="no")):
        assert not jsonschema_rs.is_valid(schema, wrong), wrong
    project = member_a["project_id"]
    volume = checked.call("get", "/volume/v3/{project_id}/volumes/{volume_id}", member,
                          project_id=project, volume_id=volumes.ready(member_a))
    schema = checked.schema("get", "/volume/v3/{project_id}/volumes/{volume_id}", 200)
    for wrong in (broken(volume, "volume", "size"),
                  broken(volume, "volume", "status", value="ready"),
                  broken(volume, "volume", "bootable", value=False)):
        assert not jsonschema_rs.is_valid(schema, wrong), wrong
    net_id = checked.call("post", f"{NET}/networks", member,
                          json={"network": {"name": "n"}})["network"]["id"]
    checked.call("post", f"{NET}/subnets", member, json={"subnet": {
        "network_id": net_id, "cidr": "10.2.0.0/24", "ip_version": 4}})
    port = checked.call("post", f"{NET}/ports", member, json={"port": {"network_id": net_id}})
    schema = checked.schema("post", f"{NET}/ports", 201)
    for wrong in (broken(port, "port", "mac_address"),
                  broken(port, "port", "fixed_ips", 0, "ip_address"),
                  broken(port, "port", "status", value="UP")):
        assert not jsonschema_rs.is_valid(schema, wrong), wrong
    listed = checked.schema("get", f"{NET}/ports", 200)
    assert not jsonschema_rs.is_valid(listed, {"ports": [{"id": 7}]})
    token_schema = checked.schema("post", f"{V3}/auth/tokens", 201)
    token = {"token": {"methods": ["password"], "audit_ids": ["a"], "issued_at": "t",
                       "expires_at": "t", "user": {"id": "u", "name": "n",
                                                   "domain": {"id": "default", "name": "D"}}}}
    assert jsonschema_rs.is_valid(token_schema, token)
    assert not jsonschema_rs.is_valid(token_schema, broken(token, "token", "expires_at"))
    assert not jsonschema_rs.is_valid(token_schema, broken(
        token, "token", "project", value={"id": "p", "name": "p", "domain": {"id": "d",
                                                                            "name": "D"}}))
