"""A guest's NICs made to match its spec (os-interface attach and detach), for
LibvirtHypervisor.

NICs are told apart by MAC, which is the port's. Only what differs changes, so a replay after a
crash completes the change. A running guest's NIC is detached once the guest let it go
(libvirt's device-removed event; the event loop is event_loop.py's). As for volumes
(volume_attach.py), libvirt's test driver has no device hotplug: there the persistent
definition is rewritten instead.
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET

import libvirt

from adapters.hypervisor.container_xml import container_interface_xml
from adapters.hypervisor.domain_xml import interface_xml as vm_interface_xml
from domain.compute.backends import GuestNic
from domain.process.effects import record

_LIVE, _CONFIG = libvirt.VIR_DOMAIN_AFFECT_LIVE, libvirt.VIR_DOMAIN_AFFECT_CONFIG
DETACH_TIMEOUT_S = 30.0  # a guest that boots or is busy may take seconds to answer ACPI


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
    live = dom.isActive()
    flags = _CONFIG | (_LIVE if live else 0)
    for nic in missing:
        dom.attachDeviceFlags(ET.tostring(interface_xml(nic), encoding="unicode"), flags)
        record("libvirt", "attachDeviceFlags", dom.name(), nic=nic.mac)
    for element in extra:
        if live and not container:
            _detach_live(dom, element, flags)
        else:  # a container's veth goes at once
            dom.detachDeviceFlags(ET.tostring(element, encoding="unicode"), flags)
        record("libvirt", "detachDeviceFlags", dom.name(), nic=_mac(element), live=live)


def _detach_live(dom: libvirt.virDomain, element: ET.Element, flags: int) -> None:
    """Detach the NIC and wait for the guest to let it go: QEMU only asks the guest (ACPI
    hotplug), and libvirt's device-removed event, naming the device's alias, says when it did.
    Without waiting, a detach recorded as done could leave the NIC in a guest that never
    released it."""
    mac = _mac(element)
    alias = _live_alias(dom, mac)
    if alias is None:  # only in the definition (a detach that a crash cut short)
        dom.detachDeviceFlags(ET.tostring(element, encoding="unicode"), _CONFIG)
        return
    removed = threading.Event()
    conn = dom.connect()

    def on_removed(_conn: object, _dom: object, device_alias: str, _opaque: object) -> None:
        if device_alias == alias:
            removed.set()

    callback = conn.domainEventRegisterAny(
        dom, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, on_removed, None)
    refused: libvirt.libvirtError | None = None
    try:
        try:
            dom.detachDeviceFlags(ET.tostring(element, encoding="unicode"), flags)
        except libvirt.libvirtError as error:
            refused = error  # perhaps the unplug an earlier call asked for is under way
        # Registered before the call: a release during it (libvirt waits a few seconds for
        # the guest itself) has set `removed` already.
        if not removed.wait(DETACH_TIMEOUT_S) and _live_alias(dom, mac) is not None:
            raise libvirt.libvirtError(
                f"guest {dom.name()} did not release NIC {mac} within {DETACH_TIMEOUT_S:g}s"
                + (f" (libvirt said: {refused})" if refused else ""))
    finally:
        conn.domainEventDeregisterAny(callback)


def _live_alias(dom: libvirt.virDomain, mac: str) -> str | None:
    """The running guest's alias of the NIC with this MAC ("" without one), None once gone."""
    held = _by_mac(ET.fromstring(dom.XMLDesc(0))).get(mac)
    if held is None:
        return None
    alias = held.find("alias")
    return alias.get("name", "") if alias is not None else ""


def _by_mac(xml: ET.Element) -> dict[str, ET.Element]:
    return {_mac(element): element for element in xml.iterfind("./devices/interface")}


def _mac(element: ET.Element) -> str:
    mac = element.find("mac")
    return (mac.get("address", "") if mac is not None else "").lower()
