"""Floating addresses bound to the external interface, so that the host answers ARP for them.

Each is a /32 carrying the label `<interface>:fip`: only labelled addresses are ever listed or
removed, so the host's own addresses on that interface (which may well be /32s too) are never
mistaken for a floating IP that a reconciler would then "clean up". A newly bound address is
announced by gratuitous ARP, so the upstream finds it on this host at once (after a move).
"""

from __future__ import annotations

import errno
import socket
from ipaddress import IPv4Address

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from adapters.network.gratuitous_arp import announce
from adapters.network.links import get_link
from adapters.network.namespaces import open_iproute
from domain.network.backends import NetworkError
from domain.process.effects import record

IFNAMSIZ = 15
SUFFIX = ":fip"


class FloatingAddresses:
    def __init__(self, interface: str, netns: str | None = None) -> None:
        self.label = interface + SUFFIX
        if len(self.label) > IFNAMSIZ:  # the kernel's limit for address labels too
            raise ValueError(f"external interface name {interface!r} is too long to label its "
                             f"floating addresses (at most {IFNAMSIZ - len(SUFFIX)} characters)")
        self.interface = interface
        self.netns = netns

    def bind(self, address: IPv4Address) -> None:
        with open_iproute(self.netns) as ipr:
            try:
                ipr.addr("add", index=self._index(ipr), address=str(address), prefixlen=32,
                         label=self.label)
            except NetlinkError as error:
                if error.code != errno.EEXIST:
                    raise NetworkError(f"floating address {address}: {error}") from error
                return
            record("pyroute2", "addr add", self.interface, address=f"{address}/32",
                   netns=self.netns)
        announce(self.netns, self.interface, [address])

    def unbind(self, address: IPv4Address) -> None:
        with open_iproute(self.netns) as ipr:
            if address not in self._bound(ipr):
                return  # already gone, or an address that is not ours to remove
            try:
                ipr.addr("del", index=self._index(ipr), address=str(address), prefixlen=32)
            except NetlinkError as error:
                if error.code != errno.EADDRNOTAVAIL:  # removed meanwhile
                    raise NetworkError(f"floating address {address}: {error}") from error
                return
            record("pyroute2", "addr del", self.interface, address=f"{address}/32",
                   netns=self.netns)

    def bound(self) -> set[IPv4Address]:
        with open_iproute(self.netns) as ipr:
            return self._bound(ipr)

    def _bound(self, ipr: IPRoute) -> set[IPv4Address]:
        return {IPv4Address(msg.get_attr("IFA_ADDRESS"))
                for msg in ipr.get_addr(family=socket.AF_INET, index=self._index(ipr))
                if msg.get_attr("IFA_LABEL") == self.label and msg["prefixlen"] == 32}

    def _index(self, ipr: IPRoute) -> int:
        link = get_link(ipr, self.interface)
        if link is None:
            raise NetworkError(f"external interface {self.interface!r} not found")
        return link.index
