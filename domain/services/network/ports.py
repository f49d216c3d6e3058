"""Ports: a MAC and a fixed IP on a project network for an instance, counted as `fixed_ips`.

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

from uuid import UUID

from domain.app import SkyLedger
from domain.commands import command
from domain.context import RequestContext
from domain.errors import InvalidInput
from domain.network.mac import mac_for, new_port_id
from domain.network.port import Port
from domain.services.network.workset import Workset, check_owner


def plan_port(ws: Workset, network_id: str, instance_id: str,
              fixed_ip: str | None = None) -> Port:
    """A port for `instance_id` on the network (also one planned in `ws` but not yet saved):
    `fixed_ip` if asked for and free, else the lowest free address. The instance is not looked
    up: a boot plans the port before its instance is first saved."""
    if not isinstance(instance_id, str) or not instance_id:
        raise InvalidInput("A port needs the id of the instance it belongs to.")
    network = ws.network(network_id)
    network.check_live()
    # Quota first, as Nova does: a project at its limit hears so before any address question.
    ws.ledger(network.project_id).claim({"fixed_ips": 1})
    port_id = new_port_id(network.macs)
    mac = mac_for(port_id)
    address = network.allocate_fixed_ip(port_id.hex, mac, fixed_ip)
    return ws.add(Port(id=port_id, network_id=network.id.hex, project_id=network.project_id,
                       instance_id=instance_id, mac=mac, fixed_ip=address))


def plan_port_release(ws: Workset, port_id: str) -> Port:
    """Release the port: disassociate its floating IP (which stays allocated to the project,
    as in Neutron), free its address and MAC, give back its `fixed_ips` unit."""
    port = ws.port(port_id)
    if port.floating_ip_id is not None:
        floating = ws.floating_ip(port.floating_ip_id)
        floating.disassociate()
        port.detach_floating_ip(floating.id.hex)
    network = ws.find(UUID(port.network_id))
    if network is not None:  # a network cannot be deleted with ports, but never fail a release
        network.release_fixed_ip(port.id.hex, port.fixed_ip, port.mac)
    ws.ledger(port.project_id).release({"fixed_ips": 1})
    port.release()
    return port


class PortService:
    """Commands on ports. Every id is a hex or dashed UUID string."""

    def __init__(self, app: SkyLedger) -> None:
        self.app = app

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

    def port(self, ctx: RequestContext, port_id: str) -> Port:
        port = Workset(self.app).port(port_id)
        check_owner(ctx, port.project_id, "Port", port_id)
        return port
