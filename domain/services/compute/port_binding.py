"""A port its user made, given to a server (os-interface's attach by `port_id`, a boot naming
`networks: [{"port": id}]`): bound to the instance in the command's own save, and recorded
on the instance as preserved, so a detach or the server's delete unbinds it and leaves it
(release.py's give_back_port), as Nova's preserve_on_delete.
"""

from __future__ import annotations

from uuid import UUID

from domain.compute.copies import PortCopy
from domain.compute.instance import Instance
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound
from domain.network.network import Network
from domain.network.port import Port
from domain.services.network.workset import Workset

DEFAULT_ZONE = "nova"  # Nova's default_availability_zone: a server that asked for none


def take_port(ws: Workset, ctx: RequestContext, instance: Instance, port_id: str) -> PortCopy:
    """Bind the caller's free port to the instance (saved by the caller with `ws`), as Nova's
    _validate_requested_port_ids checks it; returns its record on the instance."""
    port = ws.find(_port_uuid(port_id))
    if not isinstance(port, Port) or port.deleted or \
            (port.project_id != ctx.project_id and not ctx.is_admin):
        raise NotFound(f"Port id {port_id} could not be found.")
    network = ws.find(UUID(port.network_id))
    if port.project_id != instance.project_id or not isinstance(network, Network) or \
            not port.fixed_ips:
        # Another project's port, or one on the floating pool or with no address to give.
        raise InvalidInput(f"Port {port_id} not usable for instance {instance.id}.")
    port.bind(instance.id.hex, f"compute:{instance.availability_zone or DEFAULT_ZONE}")
    follow_floating_ip(ws, port)
    return PortCopy(id=port.id.hex, network_id=port.network_id, network_name=network.name,
                    mac=port.mac, fixed_ip=port.fixed_ip, preserve_on_delete=True)


def follow_floating_ip(ws: Workset, port: Port) -> None:
    """A floating IP's association names the instance whose host translates it: it follows
    the port's binding (re-associated in the same save, as for a port's other address)."""
    if port.floating_ip_id is None:
        return
    floating = ws.floating_ip(port.floating_ip_id)
    address = floating.fixed_ip or port.fixed_ip
    floating.disassociate()
    floating.associate(port.id.hex, port.project_id, port.network_id, port.instance_id, address)


def _port_uuid(port_id: str) -> UUID:
    try:
        return UUID(port_id)
    except (ValueError, TypeError):
        raise InvalidInput(f"Invalid port reference {port_id!r}.") from None
