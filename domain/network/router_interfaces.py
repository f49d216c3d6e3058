"""The routers with an interface on a network, found from the network's own aggregate: its
`fixed_ips` name every port holding an address there, and a router's interface port names the
router as its device. Both the floating-IP rule (a router must join the port's subnet to the
external network, domain/services/network/floating.py) and the agent's choice between a
router's and the host's NAT (domain/process/network/router_plans.py) ask this."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from ipaddress import IPv4Address, IPv6Address, ip_network
from typing import Any
from uuid import UUID

from domain.network.network import Network
from domain.network.port import Port
from domain.network.router import INTERFACE_OWNER, Router


def interface_routers(find: Callable[[UUID], Any],
                      network: Network) -> Iterator[tuple[str, Router]]:
    """(interface port id, router) for each live router with an interface on `network`."""
    for holder in sorted(set(network.fixed_ips.values())):
        candidate = find(UUID(holder)) if len(holder) == 32 else None
        if not isinstance(candidate, Port) or candidate.device_owner != INTERFACE_OWNER:
            continue
        router = find(UUID(candidate.device_id)) if candidate.device_id else None
        if isinstance(router, Router) and not router.deleted:
            yield candidate.id.hex, router


def serves(router: Router, port_id: str, address: IPv4Address | IPv6Address) -> bool:
    """Whether the router's interface `port_id` is on the subnet holding `address`."""
    interface = router.interfaces.get(port_id)
    return interface is not None and address in ip_network(interface["cidr"])
