"""Subnets: a user's own CIDRs on a network, several per network, IPv4 and IPv6.

A subnet lives in its network's aggregate (the ledger of the network's addresses), so adding,
changing or removing one is one save of the network: a subnet can never be removed while a port
holds one of its addresses, however requests race; the project's registry (its subnet count) is
saved with it, so the subnet quota holds too. Subnets of different networks may overlap,
as in Neutron (each network is its own layer-2 segment); the tenant-supernet pool only guards
the subnets skyledger carves itself for auto-made project networks.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from ipaddress import ip_address
from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.commands import command
from domain.context import RequestContext
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.network.config import NetworkConfig
from domain.network.network import Network
from domain.network.pool import TENANT_SUBNETS
from domain.network.prefix_pool import PrefixPool
from domain.network.subnet_build import SubnetRequest, build_subnet, update_subnet
from domain.network.subnet_spec import SubnetSpec
from domain.services.network.workset import Workset, check_owner


def check_subnet_owner(ctx: RequestContext, network: Network, network_ref: str) -> None:
    """Only the network's project (or an admin) adds or changes its subnets; another project
    sees a shared network but may not change it (Neutron: 403 on a visible network)."""
    if network.project_id != ctx.project_id and not ctx.is_admin:
        if network.shared or network.external:
            raise Forbidden(f"Only the owner of network {network_ref} can change its subnets.")
        check_owner(ctx, network.project_id, "Network", network_ref)


def plan_pool_cidr(ctx: RequestContext, ws: Workset, network: Network, subnet_id: str,
                   request: SubnetRequest) -> SubnetRequest:
    """The subnet's CIDR cut from the pool asked for (claimed in the same save), which must be
    the network project's own or a shared one."""
    pool = ws.prefix_pool(str(request.subnetpool_id))
    if pool.project_id != network.project_id and not pool.shared and not ctx.is_admin:
        raise NotFound(f"Subnet pool {request.subnetpool_id} could not be found.")
    if request.ip_version != pool.ip_version:
        raise InvalidInput(f"Invalid input: ip_version {request.ip_version} does not match "
                           f"subnet pool {request.subnetpool_id} (IPv{pool.ip_version}).")
    cidr = pool.allocate(subnet_id, request.prefixlen, request.cidr)
    return replace(request, cidr=cidr, subnetpool_id=pool.id.hex)


def plan_auto_addresses_removal(ws: Workset, network: Network, subnet_id: str) -> None:
    """A SLAAC subnet goes even with ports on it, as in Neutron: each port just loses the
    address its MAC gave it there (the ports are saved with the network)."""
    spec = network.subnet_spec(subnet_id)
    for address, holder in list(network.fixed_ips.items()):
        if ip_address(address) in spec.network:
            port = ws.port(holder)
            network.release_addresses(holder, port.mac, [address], keep_mac=True)
            port.change_fixed_ips([f for f in port.fixed_ips if f["ip_address"] != address])


class SubnetService:
    """Commands on subnets. Every id is a hex or dashed UUID string; a subnet is named by its
    network and its own id (the API finds the network from the read model; the aggregate
    then says whether the subnet is there)."""

    def __init__(self, app: SkyLedger, config: NetworkConfig) -> None:
        self.app, self.config = app, config

    @command
    def create_subnet(self, ctx: RequestContext, network_id: str,
                      request: SubnetRequest) -> SubnetSpec:
        """400 when malformed or overlapping another subnet of the network."""
        ws = Workset(self.app)
        network = ws.network(network_id)
        check_subnet_owner(ctx, network, network_id)
        subnet_id = uuid.uuid4().hex
        if request.subnetpool_id is not None:
            request = plan_pool_cidr(ctx, ws, network, subnet_id, request)
        spec = build_subnet(subnet_id, network.id.hex, network.project_id, request)
        network.add_subnet(spec)
        # Counted on the network's project, in the same save (QuotaExceeded past its limit).
        ws.registry(network.project_id).add_subnet(spec.id, self.config.max_subnets_per_project)
        self.app.save(*ws.changed())
        return spec

    @command
    def update_subnet(self, ctx: RequestContext, network_id: str, subnet_id: str,
                      changes: dict[str, Any]) -> SubnetSpec:
        ws = Workset(self.app)
        network = ws.network(network_id)
        check_subnet_owner(ctx, network, network_id)
        spec = update_subnet(network.subnet_spec(subnet_id), changes)
        network.change_subnet(spec)
        if network.pending_events:
            self.app.save(network)
        return spec

    @command
    def delete_subnet(self, ctx: RequestContext, network_id: str, subnet_id: str) -> None:
        """SubnetInUse (409) while a port holds an address on it; a carved subnet's CIDR goes
        back to the tenant-supernet pool in the same save."""
        ws = Workset(self.app)
        network = ws.network(network_id)
        check_subnet_owner(ctx, network, network_id)
        if network.subnet_spec(subnet_id).auto_address:
            plan_auto_addresses_removal(ws, network, subnet_id)
        spec = network.remove_subnet(subnet_id)
        if network.cidr and spec.cidr == network.cidr:
            ws.pool(TENANT_SUBNETS).release(network.cidr, network.id.hex)
        ws.registry(network.project_id).remove_subnets([subnet_id])
        if spec.subnetpool_id is not None:
            pool = ws.find(UUID(spec.subnetpool_id))
            if isinstance(pool, PrefixPool):
                pool.release(spec.cidr, subnet_id)
        self.app.save(*ws.changed())
