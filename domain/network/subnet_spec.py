"""A subnet as a user defines it (Neutron's attributes), checked, and the addresses it hands out.

A `SubnetSpec` is a value: the network aggregate keeps one per subnet, records each in its
events as plain data (`as_data`), and draws port addresses from their allocation pools. IPv4
and IPv6 both; `ipv6_ra_mode`/`ipv6_address_mode` are checked against Neutron's values and
decide whether a port gets an address derived from its MAC (SLAAC, EUI-64).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any

from domain.errors import InvalidInput

IPV6_MODES = ("slaac", "dhcpv6-stateful", "dhcpv6-stateless")
# SLAAC subnets: every port gets the address its MAC gives, not one from the pools.
AUTO_ADDRESS_MODES = ("slaac", "dhcpv6-stateless")
MAX_POOL_SCAN = 1 << 16  # enough to find a free address in any pool a test or user fills

Net = IPv4Network | IPv6Network


def parse_cidr(text: Any, version: int | None = None, subnet: bool = True) -> Net:
    """A CIDR of `version`; for a `subnet`, big enough to hold a host besides its network."""
    try:
        network = ip_network(str(text), strict=False)
    except ValueError:
        raise InvalidInput(f"Invalid input for cidr. Reason: '{text}' is not a valid IP "
                           "subnet.") from None
    if version is not None and network.version != version:
        raise InvalidInput(f"Invalid input for operation: cidr {text} does not match "
                           f"ip_version {version}.")
    if subnet and network.num_addresses < (4 if network.version == 4 else 2):
        raise InvalidInput(f"Invalid input for cidr. Reason: {text} is too small a subnet.")
    return network


def parse_ip(text: Any, network: Net, what: str) -> str:
    try:
        value = ip_address(str(text))
    except ValueError:
        raise InvalidInput(f"Invalid input for {what}. Reason: '{text}' is not a valid IP "
                           "address.") from None
    if value.version != network.version:
        raise InvalidInput(f"Invalid input for {what}: {text} is not an IPv{network.version} "
                           "address.")
    return str(value)


@dataclass(frozen=True)
class SubnetSpec:
    id: str  # hex
    network_id: str  # hex
    project_id: str
    cidr: str
    ip_version: int
    gateway_ip: str | None
    allocation_pools: tuple[tuple[str, str], ...]
    name: str = ""
    description: str = ""
    enable_dhcp: bool = True
    dns_nameservers: tuple[str, ...] = ()
    host_routes: tuple[tuple[str, str], ...] = ()
    ipv6_ra_mode: str | None = None
    ipv6_address_mode: str | None = None
    subnetpool_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # anything else kept as given

    @property
    def network(self) -> Net:
        return ip_network(self.cidr)

    @property
    def auto_address(self) -> bool:
        return self.ip_version == 6 and self.ipv6_address_mode in AUTO_ADDRESS_MODES

    def as_data(self) -> dict[str, Any]:
        data = asdict(self)
        data["allocation_pools"] = [list(p) for p in self.allocation_pools]
        data["host_routes"] = [list(r) for r in self.host_routes]
        data["dns_nameservers"] = list(self.dns_nameservers)
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SubnetSpec:
        return cls(**{**data,
                      "allocation_pools": tuple(tuple(p) for p in data["allocation_pools"]),
                      "host_routes": tuple(tuple(r) for r in data.get("host_routes", ())),
                      "dns_nameservers": tuple(data.get("dns_nameservers", ())),
                      "extra": dict(data.get("extra", {}))})

    # -- addresses ------------------------------------------------------------------------------
    def in_pools(self, address: str) -> bool:
        value = number(address)
        return any(number(a) <= value <= number(b) for a, b in self.allocation_pools)

    def candidates(self) -> Iterator[str]:
        """Pool addresses, lowest first (bounded: an IPv6 /64 is never walked whole)."""
        scanned = 0
        for start, end in self.allocation_pools:
            value, last = number(start), number(end)
            while value <= last and scanned < MAX_POOL_SCAN:
                text = address_of(self.ip_version, value)
                if text != self.gateway_ip:
                    yield text
                value, scanned = value + 1, scanned + 1

    def check_fixed_ip(self, address: Any, allow_gateway: bool = False) -> str:
        """The canonical spelling of an address a user asks for on this subnet: inside the
        CIDR, never its network or broadcast address nor the gateway (Neutron: 400)."""
        network = self.network
        text = parse_ip(address, network, "ip_address")
        value = ip_address(text)
        if value not in network or (network.version == 4 and value in (
                network.network_address, network.broadcast_address)):
            raise InvalidInput(f"IP address {address} is not a valid IP for the specified "
                               f"subnet {self.cidr}.")
        if text == self.gateway_ip and not allow_gateway:
            raise InvalidInput(f"IP address {address} is not a valid IP for the specified "
                               f"subnet {self.cidr}: it is its gateway.")
        return text

    def eui64(self, mac: str) -> str:
        """The SLAAC address of `mac` on this /64 (RFC 4291: ff:fe inserted, U/L bit flipped)."""
        octets = [int(part, 16) for part in mac.split(":")]
        octets[0] ^= 0x02
        iid = bytes(octets[:3] + [0xFF, 0xFE] + octets[3:])
        network = self.network
        return str(IPv6Address(int(network.network_address) | int.from_bytes(iid, "big")))

    def with_changes(self, changes: dict[str, Any]) -> SubnetSpec:
        return replace(self, **changes)


def number(address: str) -> int:
    return int(ip_address(address))


def address_of(version: int, value: int) -> str:
    return str(IPv4Address(value) if version == 4 else IPv6Address(value))


def default_pools(network: Net, gateway: str | None) -> tuple[tuple[str, str], ...]:
    """Neutron's default: every host address but the gateway, as one or two ranges."""
    first = int(network.network_address) + 1
    last = int(network.broadcast_address) - (1 if network.version == 4 else 0)
    ranges = [(first, last)]
    if gateway is not None and first <= number(gateway) <= last:
        gw = number(gateway)
        ranges = [(a, b) for a, b in ((first, gw - 1), (gw + 1, last)) if a <= b]
    return tuple((address_of(network.version, a), address_of(network.version, b))
                 for a, b in ranges)


def check_pools(network: Net, pools: Any, gateway: str | None) -> tuple[tuple[str, str], ...]:
    checked: list[tuple[str, str]] = []
    for pool in pools:
        if not isinstance(pool, dict) or set(pool) != {"start", "end"}:
            raise InvalidInput("Invalid input for allocation_pools: each pool needs exactly "
                               "'start' and 'end'.")
        start = parse_ip(pool["start"], network, "allocation_pools")
        end = parse_ip(pool["end"], network, "allocation_pools")
        first, last = number(start), number(end)
        if ip_address(start) not in network or ip_address(end) not in network or first > last:
            raise InvalidInput(f"The allocation pool {start}-{end} spans beyond the subnet "
                               f"cidr {network} or is reversed.")
        if gateway is not None and first <= number(gateway) <= last:
            raise InvalidInput(f"Gateway ip {gateway} conflicts with allocation pool "
                               f"{start}-{end}.")
        checked.append((start, end))
    ordered = sorted(checked, key=lambda p: number(p[0]))
    for (_, end), (start, _) in zip(ordered, ordered[1:], strict=False):
        if number(start) <= number(end):
            raise InvalidInput("Found overlapping allocation pools.")
    return tuple(checked)


def check_routes(network: Net, routes: Any) -> tuple[tuple[str, str], ...]:
    checked = []
    for route in routes:
        if not isinstance(route, dict) or set(route) != {"destination", "nexthop"}:
            raise InvalidInput("Invalid input for host_routes: each route needs exactly "
                               "'destination' and 'nexthop'.")
        destination = parse_cidr(route["destination"], network.version, subnet=False)
        nexthop = parse_ip(route["nexthop"], network, "host_routes")
        checked.append((str(destination), nexthop))
    return tuple(checked)


def check_dns(network: Net, servers: Any) -> tuple[str, ...]:
    checked = tuple(parse_ip(s, network, "dns_nameservers") for s in servers)
    if len(set(checked)) != len(checked):
        raise InvalidInput("Duplicate nameserver in dns_nameservers.")
    return checked


def check_ipv6_modes(version: int, ra_mode: Any, address_mode: Any) -> None:
    for what, mode in (("ipv6_ra_mode", ra_mode), ("ipv6_address_mode", address_mode)):
        if mode is None:
            continue
        if version != 6:
            raise InvalidInput(f"Invalid input for operation: {what} is set to '{mode}' with "
                               "ip_version 4; IPv6 attributes need ip_version 6.")
        if mode not in IPV6_MODES:
            raise InvalidInput(f"Invalid input for {what}. Reason: '{mode}' is not in "
                               f"{list(IPV6_MODES)}.")
    if ra_mode is not None and address_mode is not None and ra_mode != address_mode:
        raise InvalidInput(f"Invalid input for operation: ipv6_ra_mode set to '{ra_mode}' with "
                           f"ipv6_address_mode set to '{address_mode}' is not valid.")
