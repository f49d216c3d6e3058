"""A boot with a config drive: the worker makes the ISO 9660 volume labelled config-2 beside the
guest's disks and gives it to the guest as a CD-ROM; read back with isoinfo, it holds Nova's
documents filled from the instance's events."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from uuid import UUID

from adapters.hypervisor.config_drive import drive_label, drive_paths, read_drive
from domain.compute.states import VmState
from tests.support.disk_images import fake_qcow2
from tests.support.fleet import USER, Fleet
from tests.support.waiting import wait_for

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGd3dGZzZ2R0ZXN0a2V5 cfg@test"
USER_DATA = b"#!/bin/sh\necho config drive says hello\n"


def drive_of(fleet: Fleet, instance_id: UUID) -> Path:
    return fleet.hosts["node-1"].state_dir / str(instance_id) / "disk.config"


def cdrom_sources(fleet: Fleet, instance_id: UUID) -> list[str]:
    dom = fleet.hosts["node-1"].hypervisor._conn.lookupByName(str(instance_id))
    xml = ET.fromstring(dom.XMLDesc(0))
    return [d.find("source").get("file", "")  # type: ignore[union-attr]
            for d in xml.findall("./devices/disk[@device='cdrom']")]


def test_a_server_asking_for_a_drive_gets_nova_s_documents_on_a_cd_rom(fleet: Fleet) -> None:
    fleet.add_host("node-1")
    fleet.cloud.keypairs.import_key(USER, USER.user_id, str(USER.project_id), "laptop", KEY,
                                    "aa:bb")
    [vm] = fleet.boot(config_drive=True, key_name="laptop", metadata={"role": "web"},
                      user_data=base64.b64encode(USER_DATA).decode())
    instance = fleet.wait_until(vm, VmState.ACTIVE)
    drive = drive_of(fleet, vm)
    assert drive_label(drive) == "config-2"
    assert {"openstack/latest/meta_data.json", "openstack/latest/user_data",
            "openstack/latest/network_data.json", "openstack/latest/vendor_data.json",
            "ec2/latest/meta-data.json", "ec2/latest/user-data"} <= set(drive_paths(drive))
    meta = json.loads(read_drive(drive, "openstack/latest/meta_data.json"))
    assert (meta["uuid"], meta["name"], meta["hostname"]) == (str(vm), "vm", "vm")
    assert meta["meta"] == {"role": "web"} and meta["public_keys"] == {"laptop": KEY}
    assert (meta["availability_zone"], meta["project_id"]) == ("nova", USER.project_id)
    assert read_drive(drive, "openstack/latest/user_data") == USER_DATA
    assert json.loads(read_drive(drive, "openstack/latest/vendor_data.json")) == {}
    network = json.loads(read_drive(drive, "openstack/latest/network_data.json"))
    [port] = instance.ports
    assert [link["ethernet_mac_address"] for link in network["links"]] == [port["mac"]]
    assert [n["network_id"] for n in network["networks"]] == [str(UUID(port["network_id"]))]
    ec2 = json.loads(read_drive(drive, "ec2/latest/meta-data.json"))
    assert ec2["instance-id"] == f"i-{vm.hex[:17]}" and ec2["local-ipv4"] == port["fixed_ip"]
    assert cdrom_sources(fleet, vm) == [str(drive)]


def test_only_servers_that_ask_or_whose_image_demands_it_get_a_drive(fleet: Fleet) -> None:
    fleet.add_host("node-1")
    mandatory = fleet.upload_image("needs-drive", fake_qcow2(b"drive"),
                                   img_config_drive="mandatory")
    [plain] = fleet.boot()
    [demanded] = fleet.boot(image=mandatory, user_data=None)
    fleet.wait_until(plain, VmState.ACTIVE)
    fleet.wait_until(demanded, VmState.ACTIVE)
    assert not drive_of(fleet, plain).exists() and cdrom_sources(fleet, plain) == []
    assert getattr(fleet.instance(demanded), "config_drive", False) is True
    drive = drive_of(fleet, demanded)
    assert "openstack/latest/user_data" not in drive_paths(drive)  # none was given
    assert json.loads(read_drive(drive, "openstack/latest/meta_data.json"))["uuid"] == \
        str(demanded)
    fleet.cloud.actions.delete(USER, demanded.hex)
    wait_for(lambda: fleet.instance(demanded).deleted, "the delete")
    assert not drive.exists()
