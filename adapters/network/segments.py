"""Segment drivers: how a segmentation id becomes an interface on the physical interface.

Both drivers give the id the same meaning (one id, one isolated layer-2 segment shared by every
host on the physical network) and differ only in the encapsulation: an 802.1Q tag (`vlan`, the
production default) or a VXLAN network identifier (`vxlan`, for kernels without 802.1Q, such as
the test machines'). A driver recognises its interfaces by what they are (kind, id, lower
device), not by name, because the kernel itself refuses a second VLAN with the same id on one
device, or a second VXLAN with the same VNI and port, whatever it is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any, Protocol

from pyroute2 import IPRoute

from adapters.network.links import Link
from domain.network.backends import NetworkType
from domain.network.bridges import bridge_name  # noqa: F401 - the one naming rule, re-exported

IFNAMSIZ = 15  # longest interface name the kernel accepts
VXLAN_PORT = 4789  # IANA's; the kernel's default (8472) is the pre-standard Linux one
DEFAULT_VXLAN_GROUP = IPv4Address("239.1.1.1")


class SegmentDriver(Protocol):
    network_type: NetworkType
    physical_interface: str

    def interface_name(self, segmentation_id: int) -> str: ...

    def create(self, ipr: IPRoute, segmentation_id: int, physical: Link) -> None: ...

    def segmentation_id_of(self, link: Link, physical: Link | None) -> int | None:
        """The id when `link` is one of this driver's segments on `physical`, else None."""


@dataclass(frozen=True)
class VlanDriver:
    physical_interface: str
    network_type: NetworkType = NetworkType.VLAN

    def interface_name(self, segmentation_id: int) -> str:
        # The conventional `eth0.42`, unless the physical name is too long to carry the suffix.
        name = f"{self.physical_interface}.{segmentation_id}"
        return name if len(name) <= IFNAMSIZ else f"vlan{segmentation_id}"

    def create(self, ipr: IPRoute, segmentation_id: int, physical: Link) -> None:
        ipr.link("add", ifname=self.interface_name(segmentation_id), kind="vlan",
                 link=physical.index, vlan_id=segmentation_id)

    def segmentation_id_of(self, link: Link, physical: Link | None) -> int | None:
        if link.kind != "vlan" or physical is None or link.parent != physical.index:
            return None
        return link.vlan_id


@dataclass(frozen=True)
class VxlanDriver:
    """Broadcasts, unknown unicasts and ARP go to a multicast group on the underlay (flood and
    learn, as Neutron's linuxbridge agent does by default); the underlay must carry multicast and
    the physical interface needs an IPv4 address to send from."""

    physical_interface: str
    group: IPv4Address = DEFAULT_VXLAN_GROUP
    port: int = VXLAN_PORT
    network_type: NetworkType = NetworkType.VXLAN

    def interface_name(self, segmentation_id: int) -> str:
        return f"vx{segmentation_id}"

    def create(self, ipr: IPRoute, segmentation_id: int, physical: Link) -> None:
        ipr.link("add", ifname=self.interface_name(segmentation_id), kind="vxlan",
                 vxlan_id=segmentation_id, vxlan_link=physical.index,
                 vxlan_group=str(self.group), vxlan_port=self.port)

    def segmentation_id_of(self, link: Link, physical: Link | None) -> int | None:
        if link.kind != "vxlan" or physical is None or link.vxlan_dev != physical.index:
            return None
        return link.vni


_DRIVERS: dict[str, Any] = {NetworkType.VLAN.value: VlanDriver,
                            NetworkType.VXLAN.value: VxlanDriver}


def segment_driver(name: str, physical_interface: str, **options: Any) -> SegmentDriver:
    """The driver configured by name (`vlan` or `vxlan`); options go to its constructor
    (e.g. `group=IPv4Address(...)` for vxlan)."""
    try:
        driver_class = _DRIVERS[name]
    except KeyError:
        raise ValueError(f"unknown segment type {name!r}; known: {sorted(_DRIVERS)}") from None
    if not physical_interface or len(physical_interface) > IFNAMSIZ:
        raise ValueError(f"not an interface name: {physical_interface!r}")
    driver: SegmentDriver = driver_class(physical_interface, **options)
    return driver
