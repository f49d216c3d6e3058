"""From flavor, image and port snapshots to the GuestSpec a worker spawns (no I/O)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from adapters.network import segments
from domain.backends import FormatMismatch
from domain.compute.backends import GuestNic, GuestSpec, ImageDisk, KernelBoot
from domain.network import bridges
from domain.process.compute.specs import SpawnRefused, guest_spec

FLAVOR = {"id": "f", "vcpus": 2, "ram": 256, "disk": 3, "ephemeral": 1, "swap": 0}


class Files:
    """Image files as a host sees them: some hashes present, others not."""

    def __init__(self, *present: str, refused: str = "") -> None:
        self.present = set(present)
        self.refused = refused  # a hash whose file the format inspector refuses

    def path(self, content_hash: str) -> str:
        return f"/images/{content_hash[:2]}/{content_hash}"

    def exists(self, content_hash: str) -> bool:
        return content_hash in self.present

    def check_format(self, content_hash: str, disk_format: str) -> None:
        if content_hash == self.refused:
            raise FormatMismatch("Image data (qcow2) is unsafe: backing_file")


def image(image_id: str, disk_format: str, content_hash: str, **properties: str) -> dict[str, Any]:
    return {"id": image_id, "disk_format": disk_format, "content_hash": content_hash,
            "properties": properties}


CATALOG = {"k1": image("k1", "aki", "kk"), "r1": image("r1", "ari", "rr"),
           "q1": image("q1", "qcow2", "qq")}


def spec(img: dict[str, Any], files: Files, flavor: dict[str, Any] = FLAVOR) -> GuestSpec:
    return guest_spec(uuid.uuid4(), "vm", flavor, img, files, CATALOG.get, "h1")


def test_a_qcow2_image_becomes_an_overlay_grown_to_the_flavor_disk() -> None:
    made = spec(image("i", "qcow2", "aa"), Files("aa"))
    assert (made.vcpus, made.memory_mib, made.ephemeral_gib) == (2, 256, 1)
    assert made.root_disk == ImageDisk(Path("/images/aa/aa"), "qcow2", size_gib=3)
    assert made.kernel is None


def test_a_flavor_without_disk_keeps_the_image_size() -> None:
    made = spec(image("i", "raw", "aa"), Files("aa"), {**FLAVOR, "disk": 0, "ephemeral": 0})
    assert made.root_disk == ImageDisk(Path("/images/aa/aa"), "raw", size_gib=None)
    assert made.ephemeral_gib == 0


def test_an_ami_with_kernel_and_ramdisk_boots_them_directly() -> None:
    ami = image("a", "ami", "aa", kernel_id="k1", ramdisk_id="r1", os_command_line="quiet")
    made = spec(ami, Files("aa", "kk", "rr"))
    assert made.kernel == KernelBoot(Path("/images/kk/kk"), Path("/images/rr/rr"), "quiet")
    assert made.root_disk is not None and made.root_disk.base_format == "raw"


@pytest.mark.parametrize(("img", "files", "message"), [
    (image("i", "qcow2", "aa"), Files(), "not available on host h1"),
    (image("a", "ami", "aa", kernel_id="k1"), Files("aa"), "not available on host h1"),
    (image("a", "ami", "aa", kernel_id="q1"), Files("aa", "qq"), "not an available aki"),
    (image("a", "ami", "aa", kernel_id="nope"), Files("aa"), "not an available aki"),
    (image("k", "aki", "kk"), Files("kk"), "cannot boot a server"),
    (image("i", "iso", "aa"), Files("aa"), "cannot boot a server"),
])
def test_what_this_host_cannot_build_is_refused(img: dict[str, Any], files: Files,
                                                message: str) -> None:
    with pytest.raises(SpawnRefused, match=message):
        spec(img, files)


SEGMENTS = {"n1": 101, "n2": 4094}  # network id -> segmentation id


def port(port_id: str, network_id: str, mac: str) -> dict[str, str]:
    return {"id": port_id, "network_id": network_id, "network_name": f"net-{network_id}",
            "mac": mac, "fixed_ip": "10.0.0.5"}


def test_each_port_becomes_a_nic_on_the_bridge_the_network_agent_makes() -> None:
    ports = [port("p1", "n1", "fa:16:3e:00:00:01"), port("p2", "n2", "fa:16:3e:00:00:02")]
    made = guest_spec(uuid.uuid4(), "vm", FLAVOR, image("i", "qcow2", "aa"), Files("aa"),
                      CATALOG.get, "h1", ports=ports, find_segment=SEGMENTS.get)
    assert made.nics == (GuestNic("fa:16:3e:00:00:01", segments.bridge_name(101), "tapp1"),
                         GuestNic("fa:16:3e:00:00:02", segments.bridge_name(4094), "tapp2"))


def test_no_ports_no_nics() -> None:
    assert spec(image("i", "qcow2", "aa"), Files("aa")).nics == ()


def test_a_port_on_an_unknown_network_is_refused() -> None:
    with pytest.raises(SpawnRefused, match="Network n9 of port p1"):
        guest_spec(uuid.uuid4(), "vm", FLAVOR, image("i", "qcow2", "aa"), Files("aa"),
                   CATALOG.get, "h1", ports=[port("p1", "n9", "fa:16:3e:00:00:01")],
                   find_segment=SEGMENTS.get)


@pytest.mark.parametrize("segmentation_id", [1, 42, 4094, 16777215])
def test_domain_and_network_agent_name_bridges_alike(segmentation_id: int) -> None:
    assert bridges.bridge_name(segmentation_id) == segments.bridge_name(segmentation_id)


def test_a_qcow2_snapshot_keeping_the_kernel_properties_boots_the_kernel_too() -> None:
    snapshot = image("s", "qcow2", "aa", kernel_id="k1", ramdisk_id="r1", os_command_line="quiet")
    made = spec(snapshot, Files("aa", "kk", "rr"))
    assert made.kernel == KernelBoot(Path("/images/kk/kk"), Path("/images/rr/rr"), "quiet")
    assert made.root_disk == ImageDisk(Path("/images/aa/aa"), "qcow2", size_gib=3)


def test_a_disk_the_format_inspector_refuses_does_not_boot() -> None:
    """The host checks again, as Nova does since CVE-2024-32498 (the real inspector:
    tests/integration/api/test_images_lifecycle.py)."""
    with pytest.raises(SpawnRefused, match="cannot boot a server: .*backing_file"):
        spec(image("q9", "qcow2", "bad"), Files("bad", refused="bad"))
