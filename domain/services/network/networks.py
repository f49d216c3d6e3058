"""Project networks: created on first need or explicitly, deleted when no port is left.

A new network takes a segmentation id and a tenant subnet from their pool ledgers and is
recorded in the project's registry; the network, both pools and the registry are saved in ONE
`save()`. Two projects racing for the same id or subnet, or two requests racing to create one
project's default network, therefore conflict on save, and `@command` reruns the loser on fresh
state: it takes the next free value, or finds the network the winner created.

`plan_project_network` and `plan_network` change aggregates in a `Workset` without saving, so a
bigger command (booting an instance) can save the network with its own aggregates.
"""

from __future__ import annotations

from typing import Any

from domain.app import SkyLedger
from domain.commands import command
from domain.context import RequestContext
from domain.errors import InvalidInput
from domain.network.config import NetworkConfig
from domain.network.errors import NetworkInUse
from domain.network.network import Network, carved_subnet_id
from domain.network.pool import TENANT_SUBNETS, segmentation_kind
from domain.network.registry import registry_id
from domain.services.network.floating import plan_floating_release
from domain.services.network.workset import Workset, check_owner

DEFAULT_NETWORK_NAME = "private"  # nova-network's label, the key of a server's `addresses`
MAX_NAME_LENGTH = 255


def plan_network(ws: Workset, config: NetworkConfig, project_id: str, name: str,
                 cidr: str | None = None, segmentation_id: int | None = None,
                 carve: bool = True, attributes: dict[str, Any] | None = None) -> Network:
    """A new network for the project, its segmentation id (and, when `carve`, a first subnet
    from the tenant supernet) claimed (not saved)."""
    if not isinstance(name, str) or len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"Network name must be a string of at most {MAX_NAME_LENGTH} "
                           f"characters.")
    registry = ws.registry(project_id)
    registry.check_room(config.max_networks_per_project)
    segments = ws.pool(segmentation_kind(config.segment_type))
    subnets = ws.pool(TENANT_SUBNETS)
    if segmentation_id is not None:
        config.check_segmentation_id(segmentation_id)
    segment = segments.pick(config.segmentation_candidates(),
                            None if segmentation_id is None else str(segmentation_id),
                            f"{config.segment_type} segmentation id")
    subnet = ""
    if carve or cidr is not None:
        subnet = subnets.pick(config.subnet_candidates(),
                              None if cidr is None else config.check_tenant_cidr(cidr),
                              "tenant subnet")
    network = ws.add(Network(project_id, name, config.segment_type, int(segment), subnet))
    segments.claim(segment, network.id.hex)
    if subnet:
        subnets.claim(subnet, network.id.hex)
        registry.add_subnet(carved_subnet_id(network.id.hex), config.max_subnets_per_project)
    if attributes:
        network.update(attributes)
    registry.add(network.id.hex, config.max_networks_per_project)
    return network


def plan_project_network(ws: Workset, config: NetworkConfig, project_id: str) -> Network:
    """The project's default network, planned into `ws` if the project has none yet."""
    registry = ws.registry(project_id)
    if registry.default is not None:
        return ws.network(registry.default)
    return plan_network(ws, config, project_id, DEFAULT_NETWORK_NAME)


def plan_network_deletion(ws: Workset, network: Network) -> None:
    """Delete a network with no ports and give its segmentation id and subnet back. An
    external network's floating IPs go with it unless one is associated (Neutron deletes the
    disassociated ones; an associated one keeps the network in use)."""
    for floating_ip_id in sorted(set(network.floating_addresses.values())):
        floating = ws.floating_ip(floating_ip_id)
        if floating.is_associated:
            raise NetworkInUse(f"Unable to complete operation on network {network.id}. There "
                               "are one or more floating IPs still in use on the network.")
        plan_floating_release(ws, floating)
    network.delete()
    holder = network.id.hex
    ws.pool(segmentation_kind(network.segment_type)).release(str(network.segmentation_id), holder)
    if network.cidr:
        ws.pool(TENANT_SUBNETS).release(network.cidr, holder)
    registry = ws.registry(network.project_id)
    registry.remove(holder)
    registry.remove_subnets(sorted(network.subnets))


class NetworkService:
    """Commands on project networks. Every id is a hex or dashed UUID string."""

    def __init__(self, app: SkyLedger, config: NetworkConfig) -> None:
        self.app, self.config = app, config

    @command
    def ensure_project_network(self, ctx: RequestContext, project_id: str) -> Network:
        """The project's default network, created (and saved) on first need."""
        ws = Workset(self.app)
        network = plan_project_network(ws, self.config, project_id)
        if ws.changed():
            self.app.save(*ws.changed())
        return network

    @command
    def create_network(self, ctx: RequestContext, project_id: str, name: str,
                       cidr: str | None = None, segmentation_id: int | None = None,
                       carve: bool = True,
                       attributes: dict[str, Any] | None = None) -> Network:
        """A network for the project; `cidr` and `segmentation_id` pick specific values (each
        must be free and within the configured supernet or range), else the first free ones.
        Without `carve` (and `cidr`) it has no subnet yet, as a Neutron network starts.
        The project's first network becomes its default."""
        ws = Workset(self.app)
        network = plan_network(ws, self.config, project_id, name, cidr, segmentation_id,
                               carve, attributes)
        self.app.save(*ws.changed())
        return network

    @command
    def update_network(self, ctx: RequestContext, network_id: str,
                       changes: dict[str, Any]) -> Network:
        """Change the name or attributes (DEFAULT_ATTRIBUTES); the same values record nothing."""
        network = self.network(ctx, network_id)
        name = changes.get("name", network.name)
        if not isinstance(name, str) or len(name) > MAX_NAME_LENGTH:
            raise InvalidInput(f"Network name must be a string of at most {MAX_NAME_LENGTH} "
                               f"characters.")
        network.update(changes)
        if network.pending_events:
            self.app.save(network)
        return network

    @command
    def delete_network(self, ctx: RequestContext, network_id: str) -> None:
        """Refused (NetworkInUse) while ports remain; frees the segment and subnet for reuse."""
        ws = Workset(self.app)
        network = ws.network(network_id)
        check_owner(ctx, network.project_id, "Network", network_id)
        plan_network_deletion(ws, network)
        self.app.save(*ws.changed())

    # -- queries ----------------------------------------------------------------------------------
    def network(self, ctx: RequestContext, network_id: str) -> Network:
        network = Workset(self.app).network(network_id)
        check_owner(ctx, network.project_id, "Network", network_id)
        return network

    def project_network(self, project_id: str) -> Network | None:
        """The project's default network, without creating one."""
        registry = self.app.find(registry_id(project_id))
        if registry is None or registry.default is None:
            return None
        return Workset(self.app).network(registry.default)
