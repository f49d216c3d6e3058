"""Ports: a MAC and a fixed IP on a project network, counted as `fixed_ips` (Neutron's
`port` quota), made for an instance by Compute or free through the Network API.

The port, its network (the ledger of addresses and MACs) and the project's quota ledger are
saved in ONE `save()`: concurrent allocations on one network conflict on the network's and the
ledger's versions, and the loser reruns on fresh state, so no address or MAC is handed out
twice and the quota is never over-consumed.

To attach a port inside a bigger command (booting an instance), use the plan functions with a
`Workset` and save `ws.changed()` with the command's own aggregates:

    ws = Workset(app, ledger)          # the boot's own quota ledger, shared, saved by boot
    network = plan_project_network(ws, config, project_id)
    port = plan_port(ws, network.id.hex, instance.id.hex)
    app.save(instance, ledger, *nodes.changed(), *ws.changed())
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.commands import command
from domain.context import RequestContext
from domain.errors import InvalidInput, InvalidState
from domain.network.addressing import FixedIpRequest
from domain.network.config import NetworkConfig
from domain.network.errors import InUse
from domain.network.mac import mac_for, new_port_id
from domain.network.pool import EXTERNAL_NETWORK_ID
from domain.network.port import Port, primary_address
from domain.network.router import GATEWAY_OWNER, INTERFACE_OWNER
from domain.services.network.agent_scheduling import plan_dhcp_schedule
from domain.services.network.external_ports import (
    plan_external_port,
    release_external_addresses,
)
from domain.services.network.security_groups import leave_groups, plan_port_groups
from domain.services.network.workset import Workset, check_network_access, check_owner

MAC_FORMAT = re.compile(r"^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$")
MAX_LABEL_LENGTH = 255
# Ports a router owns go with its interface or gateway, never through DELETE /ports (409).
ROUTER_OWNERS = (INTERFACE_OWNER, GATEWAY_OWNER)


@dataclass(frozen=True)
class PortRequest:
    """What a caller of the Network API may choose for a free port (None: the domain picks)."""

    fixed_ip: str | None = None
    mac: str | None = None
    name: str = ""
    description: str = ""
    device_id: str = ""
    device_owner: str = ""
    # Several addresses by subnet and/or address (None: Neutron's defaults, or `fixed_ip`).
    fixed_ips: tuple[FixedIpRequest, ...] | None = None
    project_id: str | None = None  # a port on a shared network belongs to its maker's project
    attributes: dict[str, Any] = field(default_factory=dict)


def check_mac(mac: str) -> str:
    """The canonical (lower-case, colon) spelling of a unicast MAC address asked for."""
    text = mac.lower() if isinstance(mac, str) else ""
    if not MAC_FORMAT.match(text):
        raise InvalidInput(f"'{mac}' is not a valid MAC address.")
    canonical = text.replace("-", ":")
    if int(canonical[:2], 16) & 1 or canonical == "00:00:00:00:00:00":
        raise InvalidInput(f"'{mac}' is not a valid unicast MAC address.")
    return canonical


def check_labels(**labels: str) -> None:
    for key, value in labels.items():
        if not isinstance(value, str) or len(value) > MAX_LABEL_LENGTH:
            raise InvalidInput(f"Port {key} must be a string of at most {MAX_LABEL_LENGTH} "
                               "characters.")


def plan_port(ws: Workset, network_id: str, instance_id: str,
              fixed_ip: str | None = None, project_id: str | None = None) -> Port:
    """A port for `instance_id` on the network (also one planned in `ws` but not yet saved):
    `fixed_ip` if asked for and free, else the lowest free address. The instance is not looked
    up: a boot plans the port before its instance is first saved. `project_id` is the
    instance's, when the network is another project's shared one (default: the network's)."""
    if not isinstance(instance_id, str) or not instance_id:
        raise InvalidInput("A port needs the id of the instance it belongs to.")
    return allocate(ws, network_id, instance_id,
                    PortRequest(fixed_ip=fixed_ip, project_id=project_id))


def plan_free_port(ws: Workset, network_id: str, request: PortRequest) -> Port:
    """A port bound to no instance, with the caller's MAC, address and labels if given."""
    check_labels(name=request.name, description=request.description,
                 device_id=request.device_id, device_owner=request.device_owner)
    mac = None if request.mac is None else check_mac(request.mac)
    return allocate(ws, network_id, "", replace(request, mac=mac))


def allocate(ws: Workset, network_id: str, instance_id: str, request: PortRequest) -> Port:
    """The one allocation path of every port: quota, MAC and addresses claimed on the
    aggregates the caller saves together."""
    network = ws.network(network_id)
    network.check_live()
    project_id = request.project_id or network.project_id
    # Quota first, as Nova does: a project at its limit hears so before any address question.
    ws.ledger(project_id).claim({"fixed_ips": 1})
    if request.mac is None:
        port_id = new_port_id(network.macs)
        mac = mac_for(port_id)
    else:
        port_id, mac = uuid.uuid4(), request.mac  # the network refuses a MAC in use (InUse)
    wanted = request.fixed_ips
    if wanted is None and request.fixed_ip is not None:
        wanted = (FixedIpRequest(ip_address=request.fixed_ip),)
    chosen = network.allocate_addresses(port_id.hex, mac,
                                        None if wanted is None else list(wanted))
    fixed_ips = [{"subnet_id": subnet, "ip_address": address} for subnet, address in chosen]
    if instance_id and not fixed_ips:
        raise InvalidInput(f"Network {network_id} has no subnet: an instance's port needs an "
                           "address.")
    labels = {} if instance_id else labels_of(request)
    return ws.add(Port(id=port_id, network_id=network.id.hex, project_id=project_id,
                       instance_id=instance_id, mac=mac, fixed_ip=primary_address(fixed_ips),
                       fixed_ips=fixed_ips, attributes=dict(request.attributes) or None,
                       **labels))


def labels_of(request: PortRequest) -> dict[str, Any]:
    return {"name": request.name, "description": request.description,
            "device_id": request.device_id, "device_owner": request.device_owner}


def plan_port_addresses(ws: Workset, port: Port, requests: list[FixedIpRequest]) -> None:
    """Give the port exactly the addresses asked for: new ones claimed, dropped ones freed,
    on the network's ledger in the same save."""
    network = ws.network(port.network_id)
    chosen = network.allocate_addresses(port.id.hex, port.mac, requests)
    kept = {address for _, address in chosen}
    network.release_addresses(port.id.hex, port.mac,
                              [f["ip_address"] for f in port.fixed_ips
                               if f["ip_address"] not in kept], keep_mac=True)
    port.change_fixed_ips([{"subnet_id": s, "ip_address": a} for s, a in chosen])


def plan_port_release(ws: Workset, port_id: str) -> Port:
    """Release the port: disassociate its floating IP (which stays allocated to the project,
    as in Neutron), free its address and MAC, give back its `fixed_ips` unit."""
    port = ws.port(port_id)
    if port.floating_ip_id is not None:
        floating = ws.floating_ip(port.floating_ip_id)
        floating.disassociate()
        port.detach_floating_ip(floating.id.hex)
    network = ws.find(UUID(port.network_id))
    if port.network_id == EXTERNAL_NETWORK_ID:
        release_external_addresses(ws, port)
    elif network is not None:  # a network is never deleted with ports; never fail a release
        network.release_addresses(port.id.hex, port.mac,
                                  [f["ip_address"] for f in port.fixed_ips])
    ws.ledger(port.project_id).release({"fixed_ips": 1})
    leave_groups(ws, port.id.hex, port.security_groups)
    port.release()
    return port


class PortService:
    """Commands on ports. Every id is a hex or dashed UUID string."""

    def __init__(self, app: SkyLedger, config: NetworkConfig | None = None) -> None:
        self.app, self.config = app, config or NetworkConfig()

    @command
    def allocate_port(self, ctx: RequestContext, network_id: str, instance_id: str,
                      fixed_ip: str | None = None) -> Port:
        """A port for the instance on the network, counted on the network's project quota."""
        ws = Workset(self.app)
        check_owner(ctx, ws.network(network_id).project_id, "Network", network_id)
        port = plan_port(ws, network_id, instance_id, fixed_ip)
        self.app.save(*ws.changed())
        return port

    @command
    def release_port(self, ctx: RequestContext, port_id: str) -> None:
        ws = Workset(self.app)
        check_owner(ctx, ws.port(port_id).project_id, "Port", port_id)
        plan_port_release(ws, port_id)
        self.app.save(*ws.changed())

    @command
    def create_port(self, ctx: RequestContext, network_id: str, request: PortRequest,
                    security_groups: list[str] | None = None,
                    port_security_enabled: bool = True,
                    dhcp_host: str | None = None) -> Port:
        """A free port on the network (NotFound for another project's private network,
        QuotaExceeded past `fixed_ips`, InUse for an address or MAC held, PoolExhausted on a
        full subnet), in these security groups (None: the project's default group, or none
        for a port the network itself owns, `network:*`, as in Neutron). With `dhcp_host`,
        a network no DHCP agent serves yet is scheduled to that host's."""
        ws = Workset(self.app)
        if network_id == EXTERNAL_NETWORK_ID:  # the floating IP pool; anyone may use it
            check_labels(**labels_of(request))
            port = plan_external_port(ws, self.config, request.project_id or "",
                                      request.fixed_ips, labels_of(request))
        else:
            network = ws.network(network_id)
            check_network_access(ctx, network, network_id)
            port = plan_free_port(ws, network_id, request)
            if dhcp_host is not None:
                plan_dhcp_schedule(ws, network, dhcp_host)
        if security_groups is None and request.device_owner.startswith("network:"):
            security_groups = []
        plan_port_groups(ws, port, security_groups, port_security_enabled)
        self.app.save(*ws.changed())
        return port

    @command
    def update_port(self, ctx: RequestContext, port_id: str, name: str | None = None,
                    description: str | None = None,
                    attributes: dict[str, Any] | None = None,
                    fixed_ips: list[FixedIpRequest] | None = None) -> Port:
        """Relabel the port, change its attributes or its addresses; None keeps a value."""
        ws = Workset(self.app)
        port = ws.port(port_id)
        check_owner(ctx, port.project_id, "Port", port_id)
        name = port.name if name is None else name
        description = port.description if description is None else description
        check_labels(name=name, description=description)
        port.update(name, description)
        if attributes:
            port.change_attributes(attributes)
        if fixed_ips is not None:
            plan_port_addresses(ws, port, fixed_ips)
        if ws.changed():
            self.app.save(*ws.changed())
        return port

    @command
    def delete_port(self, ctx: RequestContext, port_id: str) -> None:
        """Release a free port. A port an instance holds is its NIC, listed on the instance:
        it goes when the instance goes (refused here with InvalidState, Neutron's 409)."""
        ws = Workset(self.app)
        port = ws.port(port_id)
        check_owner(ctx, port.project_id, "Port", port_id)
        if port.is_bound:
            raise InvalidState(f"Port {port_id} is the interface of instance "
                               f"{port.instance_id}; it is released when the server is "
                               "deleted.")
        if port.device_owner in ROUTER_OWNERS:
            raise InUse(f"Port {port_id} cannot be deleted directly via the port API: has "
                        f"device owner {port.device_owner}.")
        plan_port_release(ws, port_id)
        self.app.save(*ws.changed())

    def port(self, ctx: RequestContext, port_id: str) -> Port:
        port = Workset(self.app).port(port_id)
        check_owner(ctx, port.project_id, "Port", port_id)
        return port
