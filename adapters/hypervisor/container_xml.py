"""Libvirt LXC domain XML: a container whose root is a directory (the rootfs extracted from
the image, container_rootfs.py), limited by the flavor through cgroups.

- memory: `<memory>` is the container's memory cgroup limit (libvirt LXC enforces it; a
  container that allocates past it is OOM-killed).
- vcpus: a CFS quota of that many CPUs (`<cputune>` period and quota: the container gets at most
  vcpus x the period of CPU time per period) and cpu.shares in proportion to them (1024 each, as
  Nova's flavor CPU shares were), so that a larger flavor also weighs more under contention.
  There are no virtual CPUs to count in a container: these are the cgroup limits libvirt's LXC
  driver sets (virLXCCgroupSetupCpuTune).
- init: the image's `os_command_line` split as a shell would (shlex), `/sbin/init` without one.
- network: each port a veth whose host end joins the port's bridge, named as the QEMU guests'
  taps are (port_filters.tap_device); a container without ports gets its own network namespace
  with only `lo` (`<privnet/>`), never the host's.
- console: a pty, the only console the LXC driver offers; container_console.py reads it into the
  console log file.
"""

from __future__ import annotations

import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

from domain.compute.backends import GuestNic, GuestSpec, HypervisorError

DEFAULT_INIT = "/sbin/init"
CPU_PERIOD_US = 100_000
SHARES_PER_VCPU = 1024


def build_container_xml(spec: GuestSpec, rootfs: Path) -> str:
    dom = ET.Element("domain", type="lxc")
    _text(dom, "name", str(spec.instance_id))  # as the VMs: what makes spawn idempotent
    _text(dom, "uuid", str(spec.instance_id))
    _text(dom, "title", " ".join(spec.name.split()))
    _text(dom, "memory", str(spec.memory_mib), unit="MiB")
    _text(dom, "vcpu", str(spec.vcpus))
    cputune = ET.SubElement(dom, "cputune")
    _text(cputune, "shares", str(SHARES_PER_VCPU * spec.vcpus))
    _text(cputune, "period", str(CPU_PERIOD_US))
    _text(cputune, "quota", str(CPU_PERIOD_US * spec.vcpus))
    os_el = ET.SubElement(dom, "os")
    _text(os_el, "type", "exe")
    init, *args = init_argv(spec)
    _text(os_el, "init", init)
    for arg in args:
        _text(os_el, "initarg", arg)
    if not spec.nics:
        ET.SubElement(ET.SubElement(dom, "features"), "privnet")
    ET.SubElement(dom, "clock", offset="utc")
    _text(dom, "on_poweroff", "destroy")
    _text(dom, "on_reboot", "restart")
    _text(dom, "on_crash", "destroy")
    devices = ET.SubElement(dom, "devices")
    root = ET.SubElement(devices, "filesystem", type="mount", accessmode="passthrough")
    ET.SubElement(root, "source", dir=str(rootfs.absolute()))
    ET.SubElement(root, "target", dir="/")
    devices.extend(container_interface_xml(nic) for nic in spec.nics)
    ET.SubElement(devices, "console", type="pty")
    return ET.tostring(dom, encoding="unicode")


def init_argv(spec: GuestSpec) -> list[str]:
    try:
        return shlex.split(spec.init_command or "") or [DEFAULT_INIT]
    except ValueError as bad:  # e.g. an unbalanced quote in the image's property
        raise HypervisorError(f"the image's os_command_line {spec.init_command!r} is not a "
                              f"command line: {bad}") from None


def is_container(domain_xml: str) -> bool:
    return ET.fromstring(domain_xml).get("type") == "lxc"


def container_interface_xml(nic: GuestNic) -> ET.Element:
    """A veth pair: the host end on the bridge, the container end with the port's MAC (no NIC
    model: there is no emulated device)."""
    interface = ET.Element("interface", type="bridge")
    ET.SubElement(interface, "mac", address=nic.mac)
    ET.SubElement(interface, "source", bridge=nic.bridge)
    if nic.device:
        ET.SubElement(interface, "target", dev=nic.device)
    return interface


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = text
    return element
