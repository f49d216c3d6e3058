"""A guest's NICs made to match its spec (os-interface attach and detach), for
LibvirtHypervisor.

NICs are told apart by MAC, which is the port's. Only what differs changes, so a replay after a
crash completes the change. As for volumes (volume_attach.py), libvirt's test driver has no
device hotplug: there the persistent definition is rewritten instead.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import libvirt

from adapters.hypervisor.container_xml import container_interface_xml
from adapters.hypervisor.domain_xml import interface_xml as vm_interface_xml
from domain.compute.backends import GuestNic
from domain.process.effects import record

_LIVE, _CONFIG = libvirt.VIR_DOMAIN_AFFECT_LIVE, libvirt.VIR_DOMAIN_AFFECT_CONFIG


def sync_nics(dom: libvirt.virDomain, nics: tuple[GuestNic, ...], hotplug: bool,
              container: bool = False) -> None:
    """`container`: the domain is an LXC container, whose NICs are veths (container_xml.py)."""
    interface_xml = container_interface_xml if container else vm_interface_xml
    config = ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    held = _by_mac(config)
    wanted = {nic.mac.lower(): nic for nic in nics}
    missing = [nic for mac, nic in wanted.items() if mac not in held]
    extra = [element for mac, element in held.items() if mac not in wanted]
    if not (missing or extra):
        return
    if not hotplug:
        devices = config.find("devices")
        assert devices is not None  # a defined domain has devices
        for element in extra:
            devices.remove(element)
        devices.extend(interface_xml(nic) for nic in missing)
        dom.connect().defineXML(ET.tostring(config, encoding="unicode"))
        record("libvirt", "defineXML", dom.name(), added_nics=[n.mac for n in missing],
               removed_nics=[_mac(e) for e in extra])
        return
    flags = _CONFIG | (_LIVE if dom.isActive() else 0)
    for nic in missing:
        dom.attachDeviceFlags(ET.tostring(interface_xml(nic), encoding="unicode"), flags)
        record("libvirt", "attachDeviceFlags", dom.name(), nic=nic.mac)
    for element in extra:
        dom.detachDeviceFlags(ET.tostring(element, encoding="unicode"), flags)
        record("libvirt", "detachDeviceFlags", dom.name(), nic=_mac(element))


def _by_mac(xml: ET.Element) -> dict[str, ET.Element]:
    return {_mac(element): element for element in xml.iterfind("./devices/interface")}


def _mac(element: ET.Element) -> str:
    mac = element.find("mac")
    return (mac.get("address", "") if mac is not None else "").lower()
