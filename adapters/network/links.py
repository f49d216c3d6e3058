"""Interfaces read back from the kernel, as plain values (the adapters compare, never trust
what they asked for)."""

from __future__ import annotations

import errno
import socket
from collections import defaultdict
from dataclasses import dataclass
from ipaddress import IPv4Interface, IPv6Interface
from typing import Any

from pyroute2 import IPRoute
from pyroute2.netlink import NLM_F_DUMP, NLM_F_REQUEST
from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.rtnl import RTM_GETLINK
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg

IFF_UP = 0x1


@dataclass(frozen=True)
class Link:
    index: int
    name: str
    kind: str | None  # "bridge", "vlan", "vxlan", "veth"...; None for plain devices such as lo
    up: bool  # administratively up (IFF_UP); a VXLAN's operstate is UNKNOWN even when working
    master: int | None  # index of the bridge it is enslaved to
    mtu: int | None
    parent: int | None  # a VLAN's lower device (IFLA_LINK)
    vlan_id: int | None
    vni: int | None
    vxlan_dev: int | None  # a VXLAN's underlay device (IFLA_VXLAN_LINK)


def parse_link(msg: Any) -> Link:
    info = msg.get_attr("IFLA_LINKINFO")
    kind = info.get_attr("IFLA_INFO_KIND") if info else None
    data = info.get_attr("IFLA_INFO_DATA") if info else None
    vlan_id = vni = vxlan_dev = None
    if data is not None and kind == "vlan":
        vlan_id = data.get_attr("IFLA_VLAN_ID")
    elif data is not None and kind == "vxlan":
        vni = data.get_attr("IFLA_VXLAN_ID")
        vxlan_dev = data.get_attr("IFLA_VXLAN_LINK")
    return Link(
        index=msg["index"],
        name=msg.get_attr("IFLA_IFNAME"),
        kind=kind,
        up=bool(msg["flags"] & IFF_UP),
        master=msg.get_attr("IFLA_MASTER"),
        mtu=msg.get_attr("IFLA_MTU"),
        # A veth's IFLA_LINK is its peer's index, possibly in another namespace: kept only for
        # VLANs, where it is the lower device in this one.
        parent=msg.get_attr("IFLA_LINK") if kind == "vlan" else None,
        vlan_id=vlan_id,
        vni=vni,
        vxlan_dev=vxlan_dev,
    )


def read_links(ipr: IPRoute) -> dict[str, Link]:
    links = (parse_link(msg) for msg in ipr.get_links())
    return {link.name: link for link in links}


def read_ipv4_addresses(ipr: IPRoute, index: int | None = None,
                        ) -> dict[int, frozenset[IPv4Interface]]:
    """IPv4 addresses by interface index: of one interface, or all in one dump."""
    found: dict[int, set[IPv4Interface]] = defaultdict(set)
    query = {"family": socket.AF_INET} | ({} if index is None else {"index": index})
    for msg in ipr.get_addr(**query):
        address = msg.get_attr("IFA_ADDRESS")
        found[msg["index"]].add(IPv4Interface(f"{address}/{msg['prefixlen']}"))
    return {index: frozenset(addresses) for index, addresses in found.items()}


def read_global_addresses(ipr: IPRoute) -> dict[int, frozenset[IPv4Interface | IPv6Interface]]:
    """IPv4 and global IPv6 addresses by interface index (not the link-local ones the kernel
    gives every IPv6 interface by itself)."""
    found: dict[int, set[IPv4Interface | IPv6Interface]] = defaultdict(set)
    for index, addresses in read_ipv4_addresses(ipr).items():
        found[index] |= addresses
    for msg in ipr.get_addr(family=socket.AF_INET6):
        if msg["scope"] == 0:  # RT_SCOPE_UNIVERSE
            found[msg["index"]].add(
                IPv6Interface(f"{msg.get_attr('IFA_ADDRESS')}/{msg['prefixlen']}"))
    return {index: frozenset(addresses) for index, addresses in found.items()}


def get_link(ipr: IPRoute, name: str) -> Link | None:
    """One interface by name, without dumping them all (a dump costs O(interfaces) to parse)."""
    try:
        return parse_link(ipr.link("get", ifname=name)[0])
    except NetlinkError as error:
        if error.code == errno.ENODEV:
            return None
        raise


def links_enslaved_to(ipr: IPRoute, master: int) -> list[Link]:
    """The ports of a bridge. The kernel filters a link dump by IFLA_MASTER itself, which keeps
    this O(ports) on a host with hundreds of bridges; pyroute2's own `link("dump", master=...)`
    filters after parsing every interface, and its sync `nlm_request` needs the status key set
    (KeyError otherwise, in 0.9.7). Without both, fall back to a full dump."""
    request = ifinfmsg()
    request["attrs"] = [("IFLA_MASTER", master)]
    try:
        if "nlm_generator" not in ipr.status:
            ipr.status["nlm_generator"] = False  # the default, made explicit
        replies = ipr.nlm_request(request, msg_type=RTM_GETLINK,
                                  msg_flags=NLM_F_REQUEST | NLM_F_DUMP)
    except (AttributeError, KeyError, TypeError):
        replies = ipr.get_links()
    # Filtered again here: a kernel that ignored the attribute would have sent everything.
    return [link for link in map(parse_link, replies) if link.master == master]
