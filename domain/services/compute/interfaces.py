"""os-interface: attaching a port to a server (a new one on a network, or one the user made),
and detaching it.

The port is allocated (address, MAC, `fixed_ips` quota, the project's default security group)
and listed on the instance in one save, as a boot's ports are; a detach takes it off the
instance and releases it in one save too. A port the user made is bound to the instance
instead, and on detach or the server's delete unbound and kept (release.py's give_back_port).
The host's worker then makes the guest's NICs match the instance's ports
(domain/process/compute/plans.py).
"""

from __future__ import annotations

from domain.app import SkyLedger
from domain.commands import command
from domain.compute.copies import PortCopy
from domain.compute.instance import Instance
from domain.compute.states import VmState
from domain.context import RequestContext
from domain.errors import InvalidInput, InvalidState, NotFound
from domain.network.config import NetworkConfig
from domain.services.compute.actions import ActionService
from domain.services.compute.boot import BootService
from domain.services.compute.port_binding import take_port
from domain.services.compute.release import give_back_port
from domain.services.network.networks import plan_project_network
from domain.services.network.ports import plan_port
from domain.services.network.security_groups import plan_port_groups
from domain.services.network.workset import Workset
from domain.services.quotas import open_ledger

# Nova's attach_interface and detach_interface: these states, no task in progress.
INTERFACE_STATES = frozenset({VmState.ACTIVE, VmState.PAUSED, VmState.STOPPED})


class InterfaceService:
    def __init__(self, app: SkyLedger, actions: ActionService, boots: BootService,
                 network_config: NetworkConfig | None) -> None:
        self.app, self.actions, self.boots = app, actions, boots
        self.network_config = network_config

    @command
    def attach(self, ctx: RequestContext, instance_id: str, net_id: str | None = None,
               fixed_ip: str | None = None) -> PortCopy:
        """A new port on `net_id` (the project's network if None); returns its record on the
        instance: {id, network_id, network_name, mac, fixed_ip}."""
        instance = self.instance_for(ctx, instance_id, "attach_interface")
        if self.network_config is None:
            raise InvalidInput("This cloud has no networks to attach.")
        ws = Workset(self.app, open_ledger(self.app, instance.project_id))
        network_id = self.boots.project_network(ws, instance, net_id) if net_id else \
            plan_project_network(ws, self.network_config, instance.project_id).id.hex
        port = plan_port(ws, network_id, instance.id.hex, fixed_ip,
                         project_id=instance.project_id)
        plan_port_groups(ws, port, None)
        record = PortCopy(id=port.id.hex, network_id=network_id,
                          network_name=ws.network(network_id).name, mac=port.mac,
                          fixed_ip=port.fixed_ip)
        instance.attach_ports([record])
        self.app.save(instance, *ws.changed())
        return record

    @command
    def attach_port(self, ctx: RequestContext, instance_id: str, port_id: str) -> PortCopy:
        """A port the caller made, given to the server as it is (its addresses and security
        groups): Nova's 404 for a port the caller cannot see, 400 PortNotUsable for another
        project's or one the server cannot use, 409 PortInUse for one a device holds."""
        instance = self.instance_for(ctx, instance_id, "attach_interface")
        ws = Workset(self.app, open_ledger(self.app, instance.project_id))
        record = take_port(ws, ctx, instance, port_id)
        instance.attach_ports([record])
        self.app.save(instance, *ws.changed())
        return record

    @command
    def detach(self, ctx: RequestContext, instance_id: str, port_id: str) -> None:
        instance = self.instance_for(ctx, instance_id, "detach_interface")
        key = port_id.replace("-", "").lower()
        if key not in {p["id"] for p in instance.ports}:
            raise NotFound(f"Port {port_id} is not attached")
        ws = Workset(self.app, open_ledger(self.app, instance.project_id))
        give_back_port(ws, next(p for p in instance.ports if p["id"] == key))
        instance.detach_port(key)
        self.app.save(instance, *ws.changed())

    def instance_for(self, ctx: RequestContext, instance_id: str, action: str) -> Instance:
        instance = self.actions.instance(ctx, instance_id)
        instance.check_unlocked(ctx.is_admin, action)
        if instance.vm_state not in INTERFACE_STATES or instance.task_state is not None:
            raise InvalidState(
                f"Cannot '{action}' instance {instance_id} while it is in vm_state "
                f"{instance.vm_state.value}"
                + (f" task_state {instance.task_state.value}" if instance.task_state else ""))
        return instance

