"""Floating IPs: allocate from an external network to a project, associate with a port,
disassociate, release.

Allocation saves the floating IP, its network's ledger of addresses (the `public` pool's, or
the `Network` aggregate of a `router:external` network an admin made) and the project's quota
ledger in ONE `save()` (no address held twice, `floating_ips` never over-consumed); association
saves the floating IP with the port (and with the port it leaves, when it moves), so a port
never holds two floating IPs. The network agent turns `Associated`/`Disassociated` into NAT rules.
"""

from __future__ import annotations

import ipaddress
from uuid import UUID

from domain.app import SkyLedger
from domain.commands import command
from domain.context import RequestContext
from domain.errors import InvalidInput, InvalidState
from domain.network.addressing import FixedIpRequest
from domain.network.config import NetworkConfig
from domain.network.errors import ExternalGatewayForFloatingIPNotFound
from domain.network.floating import FloatingIp
from domain.network.pool import EXTERNAL_ADDRESSES, EXTERNAL_NETWORK_ID
from domain.network.port import Port
from domain.network.router_interfaces import interface_routers, serves
from domain.services.network.workset import Workset, check_owner


def plan_floating_ip(ws: Workset, config: NetworkConfig, project_id: str,
                     address: str | None = None, network_id: str = EXTERNAL_NETWORK_ID,
                     subnet_id: str | None = None) -> FloatingIp:
    """A floating IP for the project on the external network `network_id` (hex): `address`
    (or one of `subnet_id`) if asked for and free, else the lowest free."""
    ws.ledger(project_id).claim({"floating_ips": 1})
    if network_id != EXTERNAL_NETWORK_ID:
        network = ws.network(network_id)
        value = network.floating_address_for(FixedIpRequest(subnet_id, address))
        floating = ws.add(FloatingIp(project_id, value, network.id.hex))
        network.hold_floating_address(floating.id.hex, value)
        return floating
    requested = None if address is None else config.check_external_address(address)
    pool = ws.pool(EXTERNAL_ADDRESSES)
    value = pool.pick(config.external_candidates(), requested, "floating IP address")
    floating = ws.add(FloatingIp(project_id, value))
    pool.claim(value, floating.id.hex)
    return floating


def plan_association(ws: Workset, floating_ip_id: str, port_id: str,
                     fixed_ip: str | None = None) -> FloatingIp:
    """Map the floating IP to one of the port's fixed IPs (`fixed_ip`, else its first),
    moving it off any port or address it had (as Neutron and Nova's addFloatingIp do); the
    port must belong to the floating IP's project."""
    floating, port = ws.floating_ip(floating_ip_id), ws.port(port_id)
    address = port.fixed_ip if fixed_ip is None else fixed_ip
    if fixed_ip is not None and fixed_ip not in {f["ip_address"] for f in port.fixed_ips}:
        raise InvalidInput(f"Port {port_id} does not have fixed ip {fixed_ip}.")
    if address and ipaddress.ip_address(address).version != 4:
        raise InvalidInput(f"Bad floatingip request: Cannot process floating IP association "
                           f"with {address}, since that is not an IPv4 address.")
    if floating.port_id == port.id.hex and floating.fixed_ip == address:
        return floating
    check_reachable(ws, port, address, floating.floating_network_id)
    floating.check_live()
    if port.project_id != floating.project_id:
        raise InvalidInput(f"Port {port_id} belongs to another project than floating IP "
                           f"{floating.address}.")
    if floating.port_id == port.id.hex:  # another address of the same port
        floating.disassociate()
    else:
        port.attach_floating_ip(floating.id.hex, floating.address)  # InUse if it holds another
        plan_disassociation(ws, floating)
    floating.associate(port.id.hex, port.project_id, port.network_id, port.instance_id,
                       address)
    return floating


def check_reachable(ws: Workset, port: Port, address: str, floating_network_id: str) -> None:
    """Neutron's rule: a floating IP maps to a fixed IP only through a router with a gateway
    on the floating IP's external network and an interface on that IP's subnet. A project's
    auto-made network (Nova's `networks: auto`) with a floating IP of the `public` pool is the
    exception: its hosts translate such floating IPs themselves
    (domain/process/network/plans.py), as the router of Neutron's auto-allocated topology
    would."""
    network = ws.network(port.network_id)
    if network.cidr and floating_network_id == EXTERNAL_NETWORK_ID:
        return
    fixed = ipaddress.ip_address(address)
    for interface, router in interface_routers(ws.find, network):
        if (router.gateway is not None and router.gateway["network_id"] == floating_network_id
                and serves(router, interface, fixed)):
            return
    subnet = next((f["subnet_id"] for f in port.fixed_ips if f["ip_address"] == address), "")
    raise ExternalGatewayForFloatingIPNotFound(
        f"External network {UUID(floating_network_id)} is not reachable from subnet {subnet}. "
        f"Therefore, cannot associate Port {port.id} with a Floating IP.")


def plan_disassociation(ws: Workset, floating: FloatingIp) -> None:
    if floating.port_id is not None:
        port = ws.find(UUID(floating.port_id))
        if isinstance(port, Port):
            port.detach_floating_ip(floating.id.hex)
        floating.disassociate()


def plan_floating_release(ws: Workset, floating: FloatingIp) -> None:
    """Disassociate if needed, give the address back to the pool and the unit to the quota."""
    plan_disassociation(ws, floating)
    if floating.floating_network_id == EXTERNAL_NETWORK_ID:
        ws.pool(EXTERNAL_ADDRESSES).release(floating.address, floating.id.hex)
    else:
        ws.network(floating.floating_network_id).release_floating_address(
            floating.id.hex, floating.address)
    ws.ledger(floating.project_id).release({"floating_ips": 1})
    floating.release()


class FloatingIpService:
    """Commands on floating IPs. Every id is a hex or dashed UUID string."""

    def __init__(self, app: SkyLedger, config: NetworkConfig) -> None:
        self.app, self.config = app, config

    @command
    def allocate(self, ctx: RequestContext, project_id: str, address: str | None = None,
                 network_id: str = EXTERNAL_NETWORK_ID,
                 subnet_id: str | None = None) -> FloatingIp:
        """A floating IP for the project from the external network `network_id` (QuotaExceeded
        past `floating_ips`, PoolExhausted when the network has no free address, InUse when
        `address` is held, InvalidInput when the network is not external)."""
        ws = Workset(self.app)
        floating = plan_floating_ip(ws, self.config, project_id, address, network_id,
                                    subnet_id)
        self.app.save(*ws.changed())
        return floating

    @command
    def associate(self, ctx: RequestContext, floating_ip_id: str, port_id: str,
                  fixed_ip: str | None = None) -> FloatingIp:
        """InUse when the port already has another floating IP; InvalidInput when the port
        lacks `fixed_ip`."""
        ws = Workset(self.app)
        self.owned(ctx, ws, floating_ip_id)
        check_owner(ctx, ws.port(port_id).project_id, "Port", port_id)
        floating = plan_association(ws, floating_ip_id, port_id, fixed_ip)
        self.save(ws)
        return floating

    @command
    def disassociate(self, ctx: RequestContext, floating_ip_id: str,
                     instance_id: str | None = None) -> FloatingIp:
        """With `instance_id`, only from that instance's port (InvalidState otherwise: Nova's
        removeFloatingIp), checked on the aggregate, so a concurrent move is never undone."""
        ws = Workset(self.app)
        floating = self.owned(ctx, ws, floating_ip_id)
        if instance_id is not None and (not floating.is_associated
                                        or floating.instance_id != instance_id):
            raise InvalidState(f"Floating IP {floating.address} is not associated with "
                               f"instance {instance_id}.")
        plan_disassociation(ws, floating)
        self.save(ws)
        return floating

    @command
    def release(self, ctx: RequestContext, floating_ip_id: str) -> None:
        ws = Workset(self.app)
        plan_floating_release(ws, self.owned(ctx, ws, floating_ip_id))
        self.app.save(*ws.changed())

    def floating_ip(self, ctx: RequestContext, floating_ip_id: str) -> FloatingIp:
        return self.owned(ctx, Workset(self.app), floating_ip_id)

    def owned(self, ctx: RequestContext, ws: Workset, floating_ip_id: str) -> FloatingIp:
        floating = ws.floating_ip(floating_ip_id)
        check_owner(ctx, floating.project_id, "Floating IP", floating_ip_id)
        return floating

    def save(self, ws: Workset) -> None:
        # Associating twice, or disassociating a free floating IP, changes nothing.
        if ws.changed():
            self.app.save(*ws.changed())
