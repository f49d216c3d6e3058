"""The layout of the subnet carved for an auto-made project network: gateway and DHCP range.

Nova-network's convention: the first host address is the gateway (the host bridge holds it, and
dnsmasq answers from it), every later host address up to the one before broadcast is handed
out to ports, and that same span is the DHCP range (dnsmasq serves one reservation per port).
The carved subnet becomes a `SubnetSpec` with that pool (network.py: `carved_subnet`), which
is what checks and hands out its addresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from domain.network.config import parse_network


@dataclass(frozen=True)
class Subnet:
    network: IPv4Network

    @classmethod
    def parse(cls, cidr: str) -> Subnet:
        return cls(parse_network(cidr, "CIDR"))

    @property
    def cidr(self) -> str:
        return str(self.network)

    @property
    def gateway(self) -> IPv4Address:
        return self.network.network_address + 1

    @property
    def first(self) -> IPv4Address:
        return self.gateway + 1

    @property
    def last(self) -> IPv4Address:
        return self.network.broadcast_address - 1

    @property
    def dhcp_range(self) -> tuple[str, str]:
        return str(self.first), str(self.last)

    @property
    def size(self) -> int:
        """How many ports the subnet can hold."""
        return int(self.last) - int(self.first) + 1

    def describe(self) -> dict[str, object]:
        """Plain data for read models and the network agent."""
        return {"cidr": self.cidr, "gateway_ip": str(self.gateway),
                "allocation_pools": [{"start": str(self.first), "end": str(self.last)}],
                "dhcp_range": list(self.dhcp_range), "netmask": str(self.network.netmask)}
