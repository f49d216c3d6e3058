"""Which addresses a port gets on a network's subnets: Neutron's rules, as pure functions.

With no `fixed_ips` asked for, a port gets one address from the first IPv4 subnet that has one
free, one from the first stateful IPv6 subnet, and its SLAAC address on every SLAAC subnet.
Asked-for entries name a subnet, an address, or both; an address held by another port is
IpAddressAlreadyAllocated (409), one outside every subnet of the network is a 400.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import ip_address

from domain.errors import InvalidInput
from domain.network.errors import IpAddressAlreadyAllocated, PoolExhausted
from domain.network.subnet_spec import SubnetSpec


@dataclass(frozen=True)
class FixedIpRequest:
    subnet_id: str | None = None  # hex
    ip_address: str | None = None
    # Only a router's interface may hold its subnet's gateway address (as in Neutron).
    router_port: bool = False


def free_address(spec: SubnetSpec, taken: Container[str]) -> str | None:
    return next((a for a in spec.candidates() if a not in taken), None)


def default_addresses(subnets: Sequence[SubnetSpec], taken: Container[str],
                      mac: str) -> list[tuple[str, str]]:
    chosen: list[tuple[str, str]] = []
    for version in (4, 6):
        stateful = [s for s in subnets if s.ip_version == version and not s.auto_address]
        for spec in stateful:
            address = free_address(spec, taken)
            if address is not None:
                chosen.append((spec.id, address))
                break
        else:
            if stateful:
                raise PoolExhausted(f"No more IP addresses available on network "
                                    f"{stateful[0].network_id}.")
    chosen += [(s.id, s.eui64(mac)) for s in subnets if s.auto_address]
    return chosen


def owning_subnet(subnets: Sequence[SubnetSpec], address: str) -> SubnetSpec:
    try:
        value = ip_address(address)
    except ValueError:
        raise InvalidInput(f"Invalid input for ip_address. Reason: '{address}' is not a "
                           "valid IP address.") from None
    for spec in subnets:
        if value in spec.network:
            return spec
    raise InvalidInput(f"IP address {address} is not a valid IP for any of the subnets on the "
                       "specified network.")


def requested_addresses(subnets: Mapping[str, SubnetSpec], requests: Sequence[FixedIpRequest],
                        taken: Mapping[str, str], port_id: str,
                        mac: str) -> list[tuple[str, str]]:
    """(subnet id, address) for each entry asked for; `taken` maps address -> holder port."""
    chosen: list[tuple[str, str]] = []
    held = {a for a, holder in taken.items() if holder != port_id}
    for req in requests:
        if req.subnet_id is not None:
            spec = subnets.get(req.subnet_id)
            if spec is None:
                raise InvalidInput(f"Invalid input for operation: subnet {req.subnet_id} is "
                                   "not a subnet of the port's network.")
        elif req.ip_address is not None:
            spec = owning_subnet(list(subnets.values()), req.ip_address)
        else:
            raise InvalidInput("Invalid input for fixed_ips: each entry needs a subnet_id or "
                               "an ip_address.")
        if req.ip_address is not None:
            address = spec.check_fixed_ip(req.ip_address, allow_gateway=req.router_port)
        elif spec.auto_address:
            address = spec.eui64(mac)
        else:
            found = free_address(spec, held | {a for _, a in chosen})
            if found is None:
                raise PoolExhausted(f"No more IP addresses available on subnet {spec.id}.")
            address = found
        if address in held:
            raise IpAddressAlreadyAllocated(f"IP address {address} already allocated in "
                                            f"subnet {spec.id}.")
        if address in {a for _, a in chosen}:
            raise InvalidInput(f"IP address {address} is asked for twice.")
        chosen.append((spec.id, address))
    return chosen
