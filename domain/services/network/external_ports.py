"""Ports on the `public` network, the floating IP pool as Neutron clients see it: a router's
gateway (`network:router_gateway`) or an address an admin reserves there.

The pool has no `Network` aggregate: its ledger of addresses is the `external-addresses`
AllocationPool, shared with floating IPs. A port there claims its address on that ledger (held
by the port's id) in the same save as the port, so a port never takes a floating IP's address
nor a floating IP a port's (Neutron's 409 IpAddressAlreadyAllocated either way).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.errors import InvalidInput
from domain.network.addressing import FixedIpRequest
from domain.network.config import NetworkConfig
from domain.network.mac import mac_for, new_port_id
from domain.network.pool import EXTERNAL_ADDRESSES, EXTERNAL_NETWORK_ID, EXTERNAL_SUBNET_ID
from domain.network.port import Port
from domain.services.network.workset import Workset


def pool_address_request(config: NetworkConfig,
                         request_ips: Sequence[FixedIpRequest] | None) -> str | None:
    """The address asked for on the pool's one subnet (None: the pool picks one)."""
    asked = list(request_ips or ())
    if len(asked) > 1:
        raise InvalidInput("Exceeded maximum amount of fixed ips per port on the external "
                           "network: it has one subnet, and a port holds one address of it.")
    if not asked:
        return None
    wanted = asked[0]
    if wanted.subnet_id not in (None, EXTERNAL_SUBNET_ID):
        raise InvalidInput(f"Invalid input for fixed_ips: subnet {wanted.subnet_id} is not a "
                           f"subnet of network {EXTERNAL_NETWORK_ID}.")
    if wanted.ip_address is None:
        return None
    return config.check_external_address(wanted.ip_address)


def plan_external_port(ws: Workset, config: NetworkConfig, project_id: str,
                       fixed_ips: Sequence[FixedIpRequest] | None,
                       labels: dict[str, Any]) -> Port:
    """A port of `project_id` holding one address of the pool (`fixed_ips`: at most one
    request), with `labels` (name, description, device_id, device_owner); it counts on the
    project's `fixed_ips`, as a gateway port on any other external network does."""
    requested = pool_address_request(config, fixed_ips)
    ws.ledger(project_id).claim({"fixed_ips": 1})
    pool = ws.pool(EXTERNAL_ADDRESSES)
    address = pool.pick(config.external_candidates(), requested, "IP address")
    port_id = new_port_id(())  # the pool keeps no MACs; fa:16:3e plus 24 hashed bits
    pool.claim(address, port_id.hex)
    fixed = [{"subnet_id": EXTERNAL_SUBNET_ID, "ip_address": address}]
    return ws.add(Port(id=port_id, network_id=EXTERNAL_NETWORK_ID, project_id=project_id,
                       instance_id="", mac=mac_for(port_id), fixed_ip=address, fixed_ips=fixed,
                       **labels))


def release_external_addresses(ws: Workset, port: Port) -> None:
    pool = ws.pool(EXTERNAL_ADDRESSES)
    for fixed in port.fixed_ips:
        pool.release(fixed["ip_address"], port.id.hex)
