"""A libvirt domain's state and statistics, read the way Nova's libvirt driver reads them for
server diagnostics (get_diagnostics, get_instance_diagnostics): `info()` for memory and vCPUs,
`vcpus()` for each vCPU's time, `blockStats` per disk and `interfaceStats` per NIC of the
domain's XML, `memoryStats()` for the balloon. A statistic the driver cannot give (a libvirt
error for that one call) is left out, as Nova leaves it out, rather than failing the whole read.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import libvirt

from domain.compute.backends import DiskStats, GuestDiagnostics, GuestState, NicStats

STATES = {
    libvirt.VIR_DOMAIN_RUNNING: GuestState.RUNNING,
    libvirt.VIR_DOMAIN_BLOCKED: GuestState.RUNNING,  # running, waiting on I/O
    libvirt.VIR_DOMAIN_SHUTDOWN: GuestState.RUNNING,  # still running while it shuts down
    libvirt.VIR_DOMAIN_PAUSED: GuestState.PAUSED,
    libvirt.VIR_DOMAIN_SHUTOFF: GuestState.SHUTOFF,
    libvirt.VIR_DOMAIN_CRASHED: GuestState.CRASHED,
}


def state_of(dom: libvirt.virDomain) -> GuestState:
    state, _reason = dom.state(0)
    if state == libvirt.VIR_DOMAIN_SHUTOFF and dom.hasManagedSaveImage(0):
        return GuestState.SUSPENDED
    return STATES.get(state, GuestState.UNKNOWN)


def diagnostics(dom: libvirt.virDomain, virt_type: str) -> GuestDiagnostics:
    _state, max_kib, kib, vcpus, _cpu_time = dom.info()
    devices = ET.fromstring(dom.XMLDesc(0)).find("devices")
    disks = [] if devices is None else [
        target.get("dev", "") for disk in devices.findall("disk")
        if disk.get("device", "disk") == "disk" and (target := disk.find("target")) is not None]
    nics = [] if devices is None else devices.findall("interface")
    return GuestDiagnostics(
        state=state_of(dom), virt_type=virt_type, max_memory_kib=int(max_kib),
        memory_kib=int(kib), vcpus=int(vcpus),
        cpu_times=tuple(int(time) for _id, _state, time, _cpu in _or(lambda: dom.vcpus()[0], [])),
        disks=tuple(stats for dev in disks if (stats := _disk(dom, dev)) is not None),
        nics=tuple(_nic(dom, nic) for nic in nics),
        memory_stats={str(k): int(v) for k, v in _or(dom.memoryStats, {}).items()})


def _or(read: Any, default: Any) -> Any:
    """`read()`, or `default` where this driver cannot give that statistic."""
    try:
        return read()
    except libvirt.libvirtError:
        return default


def _disk(dom: libvirt.virDomain, dev: str) -> DiskStats | None:
    stats = _or(lambda: dom.blockStats(dev), None)
    if stats is None:
        return None
    read_requests, read_bytes, write_requests, write_bytes, errors = (int(n) for n in stats)
    return DiskStats(dev, read_requests, read_bytes, write_requests, write_bytes, errors)


def _nic(dom: libvirt.virDomain, nic: ET.Element) -> NicStats:
    mac_element, target = nic.find("mac"), nic.find("target")
    mac = "" if mac_element is None else mac_element.get("address", "")
    dev = None if target is None else target.get("dev")
    stats = None if not dev else _or(lambda: dom.interfaceStats(dev), None)
    if stats is None:
        return NicStats(mac, dev)
    return NicStats(mac, dev, *(int(n) for n in stats))
