"""A floating IP: an address of an external network, allocated to a project, maybe mapped to
a port's fixed IP (the network agent turns an association into DNAT/SNAT rules).

The address itself is claimed on its network's ledger, saved with this aggregate, so one address
is never held twice at once: the external pool's (domain/network/pool.py) for the built-in
`public` network, the `Network` aggregate's own for a `router:external` network an admin made.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import InvalidInput, InvalidState
from domain.network.pool import EXTERNAL_NETWORK_ID


class FloatingIp(Entity):
    class Allocated(Entity.Created):
        # v1 events were stored when every floating IP came from the `public` pool.
        class_version = 2
        project_id: str
        address: str
        floating_network_id: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["floating_network_id"] = EXTERNAL_NETWORK_ID

    @event(Allocated)
    def __init__(self, project_id: str, address: str,
                 floating_network_id: str = EXTERNAL_NETWORK_ID) -> None:
        self.project_id, self.address = project_id, address
        self.floating_network_id = floating_network_id  # hex: where the address is held
        self.port_id: str | None = None
        self.fixed_ip: str | None = None
        self.network_id: str | None = None
        self.instance_id: str | None = None
        self.deleted = False

    @property
    def is_associated(self) -> bool:
        return self.port_id is not None

    def check_live(self) -> None:
        if self.deleted:
            raise InvalidState(f"Floating IP {self.address} is released.")

    def describe(self) -> dict[str, Any]:
        return {"id": self.id.hex, "project_id": self.project_id,
                "floating_ip_address": self.address,
                "floating_network_id": self.floating_network_id, "port_id": self.port_id,
                "fixed_ip_address": self.fixed_ip, "instance_id": self.instance_id}

    def associate(self, port_id: str, project_id: str, network_id: str, instance_id: str,
                  fixed_ip: str) -> None:
        """Map this address to a port of the same project (the caller detaches it from any
        previous port first, in the same save)."""
        self.check_live()
        if project_id != self.project_id:
            raise InvalidInput(f"Port {port_id} belongs to another project than floating IP "
                               f"{self.address}.")
        if self.port_id == port_id:
            return
        if self.port_id is not None:
            raise InvalidState(f"Floating IP {self.address} is associated with port "
                               f"{self.port_id}.")
        self._associated(port_id, network_id, instance_id, fixed_ip)

    class Associated(Entity.Event):
        port_id: str
        network_id: str
        instance_id: str
        fixed_ip: str

    @event(Associated)
    def _associated(self, port_id: str, network_id: str, instance_id: str,
                    fixed_ip: str) -> None:
        # Everything the NAT rules need is in the event: no join with the port at apply time.
        self.port_id, self.network_id, self.instance_id = port_id, network_id, instance_id
        self.fixed_ip = fixed_ip

    def disassociate(self) -> None:
        if self.port_id is not None:
            self._disassociated(self.port_id, self.fixed_ip, self.network_id, self.instance_id)

    class Disassociated(Entity.Event):
        port_id: str
        fixed_ip: str | None
        network_id: str | None
        instance_id: str | None

    @event(Disassociated)
    def _disassociated(self, port_id: str, fixed_ip: str | None, network_id: str | None,
                       instance_id: str | None) -> None:
        # The former mapping travels with the event, so the agent knows which rules to remove.
        self.port_id = self.fixed_ip = self.network_id = self.instance_id = None

    def release(self) -> None:
        self.check_live()
        if self.is_associated:
            raise InvalidState(f"Floating IP {self.address} is still associated.")
        self._released()

    class Released(Entity.Event):
        pass

    @event(Released)
    def _released(self) -> None:
        self.deleted = True
