"""A guest's NICs in its libvirt domain XML: one virtio interface per NIC, on its bridge."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from adapters.hypervisor.domain_xml import build_domain_xml
from adapters.hypervisor.guest_files import GuestFiles
from domain.compute.backends import GuestNic, GuestSpec, KernelBoot


def domain(tmp_path: Path, *nics: GuestNic) -> ET.Element:
    spec = GuestSpec(uuid.uuid4(), "vm", 1, 128, kernel=KernelBoot(Path("k")), nics=nics)
    return ET.fromstring(build_domain_xml(spec, "qemu", GuestFiles(tmp_path)))


def test_each_nic_is_a_virtio_interface_on_its_bridge_in_order(tmp_path: Path) -> None:
    dom = domain(tmp_path, GuestNic("fa:16:3e:00:00:01", "brq101"),
                 GuestNic("fa:16:3e:00:00:02", "brq4094"))
    interfaces = dom.findall("devices/interface")
    assert [i.get("type") for i in interfaces] == ["bridge", "bridge"]
    assert [(i.find("mac").get("address"), i.find("source").get("bridge"),  # type: ignore[union-attr]
             i.find("model").get("type")) for i in interfaces] == [  # type: ignore[union-attr]
        ("fa:16:3e:00:00:01", "brq101", "virtio"), ("fa:16:3e:00:00:02", "brq4094", "virtio")]
    assert dom.find("features/acpi") is not None  # NIC hotplug needs ACPI


def test_a_nic_names_its_tap_after_the_port(tmp_path: Path) -> None:
    dom = domain(tmp_path, GuestNic("fa:16:3e:00:00:01", "brq101", "tap0123456789a"),
                 GuestNic("fa:16:3e:00:00:02", "brq101"))
    assert [i.find("target") is not None and i.find("target").get("dev")  # type: ignore[union-attr]
            for i in dom.findall("devices/interface")] == ["tap0123456789a", False]


def test_a_guest_without_nics_has_no_interface(tmp_path: Path) -> None:
    assert domain(tmp_path).findall("devices/interface") == []
