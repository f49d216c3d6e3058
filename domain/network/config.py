"""Network configuration: the admin-defined ranges every allocation draws from.

A value object passed to the network services as an argument (the composition root builds it
from settings), so the domain reads no global configuration. IPv4 only, as the seed's
nova-network was.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, ip_address, ip_network

from domain.errors import InvalidInput

# The id space each segment type defines: an 802.1Q VLAN id, or a 24-bit VXLAN network id.
SEGMENT_TYPES: dict[str, tuple[int, int]] = {"vlan": (1, 4094), "vxlan": (1, 2**24 - 1)}
# A subnet needs its network, gateway and broadcast addresses and at least one host besides.
LONGEST_PREFIX = 30


def parse_network(text: str, what: str) -> IPv4Network:
    try:
        network = ip_network(text, strict=True)
    except ValueError:
        raise InvalidInput(f"Invalid {what} {text!r}: expected an IPv4 CIDR such as "
                           f"10.0.0.0/16.") from None
    if not isinstance(network, IPv4Network):
        raise InvalidInput(f"Invalid {what} {text!r}: only IPv4 is supported.")
    return network


def parse_address(text: str, what: str) -> IPv4Address:
    try:
        address = ip_address(text)
    except ValueError:
        raise InvalidInput(f"Invalid {what} {text!r}: expected an IPv4 address.") from None
    if not isinstance(address, IPv4Address):
        raise InvalidInput(f"Invalid {what} {text!r}: only IPv4 is supported.")
    return address


@dataclass(frozen=True)
class NetworkConfig:
    """What the operator configures; checked when built, so a bad range fails at start-up.

    `external_range` defaults to every host address of `external_cidr` except the first, which
    is taken to be the upstream gateway. `max_networks_per_project` keeps one project from
    taking every tenant subnet (the quota ledger has no `networks` resource yet).
    """

    segment_type: str = "vlan"
    segmentation_ids: tuple[int, int] = (100, 4094)
    tenant_supernet: str = "10.0.0.0/16"
    subnet_prefix: int = 24
    external_cidr: str = "203.0.113.0/24"
    external_range: tuple[str, str] | None = None
    max_networks_per_project: int = 10
    max_subnets_per_project: int = 100  # Neutron's default subnet quota

    def __post_init__(self) -> None:
        self.check_segments()
        supernet = self.supernet
        if not supernet.prefixlen <= self.subnet_prefix <= LONGEST_PREFIX:
            raise InvalidInput(f"Subnet prefix /{self.subnet_prefix} must be between "
                               f"/{supernet.prefixlen} and /{LONGEST_PREFIX}.")
        external = self.external
        if supernet.overlaps(external):
            raise InvalidInput(f"The external pool {external} overlaps the tenant supernet "
                               f"{supernet}.")
        first, last = self.external_bounds
        if not (external.network_address < first <= last < external.broadcast_address):
            raise InvalidInput(f"External range {first}-{last} must be host addresses of "
                               f"{external}, first to last.")
        if self.max_networks_per_project < 1:
            raise InvalidInput("max_networks_per_project must be 1 or more.")

    def check_segments(self) -> None:
        if self.segment_type not in SEGMENT_TYPES:
            raise InvalidInput(f"Segment type must be one of {', '.join(SEGMENT_TYPES)}, not "
                               f"{self.segment_type!r}.")
        low, high = SEGMENT_TYPES[self.segment_type]
        first, last = self.segmentation_ids
        if not low <= first <= last <= high:
            raise InvalidInput(f"Segmentation ids {first}-{last} must lie within {low}-{high} "
                               f"for {self.segment_type}.")

    @property
    def supernet(self) -> IPv4Network:
        return parse_network(self.tenant_supernet, "tenant supernet")

    @property
    def external(self) -> IPv4Network:
        return parse_network(self.external_cidr, "external pool CIDR")

    @property
    def external_bounds(self) -> tuple[IPv4Address, IPv4Address]:
        if self.external_range is None:
            external = self.external
            return external.network_address + 2, external.broadcast_address - 1
        first, last = self.external_range
        return (parse_address(first, "external range start"),
                parse_address(last, "external range end"))

    # -- what each pool may hand out, in the order it is handed out ---------------------------
    def segmentation_candidates(self) -> Iterator[str]:
        first, last = self.segmentation_ids
        return (str(n) for n in range(first, last + 1))

    def subnet_candidates(self) -> Iterator[str]:
        return (str(s) for s in self.supernet.subnets(new_prefix=self.subnet_prefix))

    def external_candidates(self) -> Iterator[str]:
        first, last = self.external_bounds
        return (str(IPv4Address(n)) for n in range(int(first), int(last) + 1))

    # -- checks on values asked for explicitly -------------------------------------------------
    def check_segmentation_id(self, value: int) -> None:
        first, last = self.segmentation_ids
        if isinstance(value, bool) or not isinstance(value, int) or not first <= value <= last:
            raise InvalidInput(f"Segmentation id {value!r} is outside the configured range "
                               f"{first}-{last}.")

    def check_tenant_cidr(self, cidr: str) -> str:
        """The canonical spelling of a CIDR asked for; it must be a subnet of the supernet."""
        network = parse_network(cidr, "CIDR")
        if not (network.subnet_of(self.supernet) and network.prefixlen <= LONGEST_PREFIX):
            raise InvalidInput(f"CIDR {cidr} must be a subnet of the tenant supernet "
                               f"{self.supernet}, /{LONGEST_PREFIX} or larger.")
        return str(network)

    def check_external_address(self, address: str) -> str:
        value = parse_address(address, "floating IP address")
        first, last = self.external_bounds
        if not first <= value <= last:
            raise InvalidInput(f"Floating IP address {address} is outside the external pool "
                               f"{first}-{last}.")
        return str(value)
