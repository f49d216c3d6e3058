"""The documents of the config drive, built from plain facts (Nova's nova/api/metadata/base.py
at its newest versions)."""

from __future__ import annotations

import base64
import json

from domain.compute.guest_metadata import (
    GuestFacts,
    GuestKey,
    GuestLink,
    config_drive_files,
    drive_required,
    hostname_of,
)

UUID_ = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
SEED = bytes(range(16))
KEY = GuestKey("laptop", "ssh", "ssh-ed25519 AAAAC3Nza laptop")
DHCP = GuestLink("11111111-2222-3333-4444-555555555555", "tap11111111222", "fa:16:3e:00:00:01",
                 "99999999-8888-7777-6666-555555555555", "10.0.0.5", dns=("10.0.0.2",))
STATIC = GuestLink("aaaaaaaa-2222-3333-4444-555555555555", "tapaaaaaaaa222", "fa:16:3e:00:00:02",
                   "bbbbbbbb-8888-7777-6666-555555555555", "192.168.7.9", dhcp=False,
                   netmask="255.255.255.0", gateway="192.168.7.1", dns=("10.0.0.2", "9.9.9.9"))


def facts(**changes: object) -> GuestFacts:
    fields: dict[str, object] = dict(
        uuid=UUID_, name="Web Server_1", hostname="web-server-1", project_id="p1",
        launch_index=2, reservation_id="r-0000abcd", availability_zone="nova",
        metadata={"role": "web"}, user_data=base64.b64encode(b"#!/bin/sh\necho hi\n").decode(),
        key=KEY, flavor_name="m1.tiny", image_id="12345678-1234-5678-1234-567812345678",
        security_groups=("default", "web"), links=(DHCP, STATIC))
    fields.update(changes)
    return GuestFacts(**fields)  # type: ignore[arg-type]


def files(**changes: object) -> dict[str, bytes]:
    return config_drive_files(facts(**changes), SEED)


def test_the_drive_holds_nova_s_latest_documents_and_the_user_data_as_given() -> None:
    drive = files()
    assert sorted(drive) == ["ec2/latest/meta-data.json", "ec2/latest/user-data",
                             "openstack/latest/meta_data.json",
                             "openstack/latest/network_data.json",
                             "openstack/latest/user_data", "openstack/latest/vendor_data.json"]
    assert drive["openstack/latest/user_data"] == b"#!/bin/sh\necho hi\n"
    assert drive["ec2/latest/user-data"] == b"#!/bin/sh\necho hi\n"
    assert json.loads(drive["openstack/latest/vendor_data.json"]) == {}


def test_meta_data_json_names_the_instance_its_keys_and_its_zone() -> None:
    doc = json.loads(files()["openstack/latest/meta_data.json"])
    assert doc == {
        "uuid": UUID_, "meta": {"role": "web"},
        "public_keys": {"laptop": "ssh-ed25519 AAAAC3Nza laptop"},
        "keys": [{"name": "laptop", "type": "ssh", "data": "ssh-ed25519 AAAAC3Nza laptop"}],
        "hostname": "web-server-1", "name": "Web Server_1", "launch_index": 2,
        "availability_zone": "nova", "random_seed": base64.b64encode(SEED).decode(),
        "project_id": "p1", "devices": [], "dedicated_cpus": []}


def test_without_key_metadata_or_user_data_those_entries_are_left_out() -> None:
    drive = files(key=None, metadata={}, user_data=None)
    doc = json.loads(drive["openstack/latest/meta_data.json"])
    assert not {"meta", "public_keys", "keys"} & set(doc)
    assert "openstack/latest/user_data" not in drive and "ec2/latest/user-data" not in drive
    assert "public-keys" not in json.loads(drive["ec2/latest/meta-data.json"])


def test_network_data_says_dhcp_for_a_dhcp_subnet_and_spells_out_a_static_one() -> None:
    doc = json.loads(files()["openstack/latest/network_data.json"])
    assert doc["links"] == [
        {"id": "tap11111111222", "vif_id": DHCP.port_id, "type": "phy", "mtu": None,
         "ethernet_mac_address": "fa:16:3e:00:00:01"},
        {"id": "tapaaaaaaaa222", "vif_id": STATIC.port_id, "type": "phy", "mtu": None,
         "ethernet_mac_address": "fa:16:3e:00:00:02"}]
    assert doc["networks"] == [
        {"id": "network0", "type": "ipv4_dhcp", "link": "tap11111111222",
         "network_id": DHCP.network_id},
        {"id": "network1", "type": "ipv4", "link": "tapaaaaaaaa222",
         "network_id": STATIC.network_id, "ip_address": "192.168.7.9",
         "netmask": "255.255.255.0",
         "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "192.168.7.1"}],
         "services": [{"type": "dns", "address": "10.0.0.2"},
                      {"type": "dns", "address": "9.9.9.9"}]}]
    assert doc["services"] == [{"type": "dns", "address": "10.0.0.2"},  # each server once
                               {"type": "dns", "address": "9.9.9.9"}]


def test_ec2_meta_data_uses_the_ec2_front_end_s_ids_and_the_first_address() -> None:
    doc = json.loads(files()["ec2/latest/meta-data.json"])
    assert doc["instance-id"] == "i-0f1e2d3c4b5a69788"
    assert doc["ami-id"] == "ami-12345678123456781"
    assert doc["local-ipv4"] == "10.0.0.5"
    assert doc["public-keys"] == {"0": {"openssh-key": KEY.public_key}}
    assert doc["security-groups"] == ["default", "web"]
    assert doc["placement"] == {"availability-zone": "nova"}
    assert (doc["hostname"], doc["instance-type"], doc["ami-launch-index"]) == (
        "web-server-1", "m1.tiny", 2)


def test_no_network_gives_empty_network_data_and_no_local_address() -> None:
    drive = files(links=())
    assert json.loads(drive["openstack/latest/network_data.json"]) == {
        "links": [], "networks": [], "services": []}
    assert json.loads(drive["ec2/latest/meta-data.json"])["local-ipv4"] == ""


def test_a_drive_is_required_when_asked_forced_or_demanded_by_the_image() -> None:
    assert not drive_required(None, {}, forced=False)
    assert not drive_required(False, {"img_config_drive": "optional"}, forced=False)
    assert drive_required(True, {}, forced=False)
    assert drive_required(False, {}, forced=True)
    assert drive_required(None, {"img_config_drive": "mandatory"}, forced=False)


def test_hostnames_are_sanitized_as_nova_does() -> None:
    assert hostname_of("Web Server_1") == "web-server-1"
    assert hostname_of("--ü--") == "server"
