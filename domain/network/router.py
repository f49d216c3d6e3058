"""A Neutron router: its gateway on an external network, the subnets it joins (each through a
port of its own, `network:router_interface`) and its extra routes.

The router is the ledger of its interfaces, so the rules about them are checked on one
aggregate and saved with the ports and networks a command touches:
- two interfaces never join overlapping subnets (Neutron's 400);
- a router with interfaces cannot be deleted (Neutron's 409 RouterInUse);
- an extra route's next hop lies in a subnet the router joins (Neutron's 400).
"""

from __future__ import annotations

import ipaddress
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import InvalidInput, NotFound
from domain.network.errors import InUse

INTERFACE_OWNER = "network:router_interface"
GATEWAY_OWNER = "network:router_gateway"


class RouterInUse(InUse):
    """The router still has interfaces (Neutron's 409 RouterInUse)."""


class Router(Entity):
    class Created(Entity.Created):
        project_id: str
        name: str
        description: str
        admin_state_up: bool

    @event(Created)
    def __init__(self, id: UUID, project_id: str, name: str,  # noqa: A002
                 description: str = "", admin_state_up: bool = True) -> None:
        self.project_id, self.name, self.description = project_id, name, description
        self.admin_state_up = admin_state_up
        self.gateway: dict[str, Any] | None = None  # network_id, enable_snat, external_fixed_ips
        self.interfaces: dict[str, dict[str, str]] = {}  # port id -> subnet_id, cidr, network_id
        self.routes: list[dict[str, str]] = []  # destination, nexthop
        self.host: str | None = None  # the network agent's host that runs it (`Scheduled`)
        self.deleted = False

    def check_live(self) -> None:
        if self.deleted:
            raise NotFound(f"Router {self.id} could not be found.")

    def update(self, name: str, description: str, admin_state_up: bool) -> None:
        self.check_live()
        if (name, description, admin_state_up) != (self.name, self.description,
                                                   self.admin_state_up):
            self._updated(name, description, admin_state_up)

    class Updated(Entity.Event):
        name: str
        description: str
        admin_state_up: bool

    @event(Updated)
    def _updated(self, name: str, description: str, admin_state_up: bool) -> None:
        self.name, self.description, self.admin_state_up = name, description, admin_state_up

    # -- the gateway ------------------------------------------------------------------------
    def set_gateway(self, gateway: dict[str, Any] | None) -> None:
        """The external gateway (None: cleared); `gateway` holds network_id, enable_snat and
        external_fixed_ips (subnet_id, ip_address)."""
        self.check_live()
        if gateway != self.gateway:
            self._gateway_set(gateway)

    class GatewaySet(Entity.Event):
        gateway: dict[str, Any] | None

    @event(GatewaySet)
    def _gateway_set(self, gateway: dict[str, Any] | None) -> None:
        self.gateway = None if gateway is None else dict(gateway)

    # -- interfaces -------------------------------------------------------------------------
    def add_interface(self, port_id: str, subnet_id: str, cidr: str, network_id: str) -> None:
        self.check_live()
        new = ipaddress.ip_network(cidr)
        for existing in self.interfaces.values():
            old = ipaddress.ip_network(existing["cidr"])
            if old.version == new.version and old.overlaps(new):
                raise InvalidInput(f"Bad router request: Cidr {cidr} of subnet {subnet_id} "
                                   f"overlaps with cidr {existing['cidr']} of subnet "
                                   f"{existing['subnet_id']}.")
        self._interface_added(port_id, subnet_id, cidr, network_id)

    class InterfaceAdded(Entity.Event):
        port_id: str
        subnet_id: str
        cidr: str
        network_id: str

    @event(InterfaceAdded)
    def _interface_added(self, port_id: str, subnet_id: str, cidr: str,
                         network_id: str) -> None:
        self.interfaces[port_id] = {"subnet_id": subnet_id, "cidr": cidr,
                                    "network_id": network_id}

    def interface_on(self, subnet_id: str) -> str | None:
        """The port joining this subnet, if any."""
        return next((p for p, i in self.interfaces.items() if i["subnet_id"] == subnet_id),
                    None)

    def remove_interface(self, port_id: str) -> dict[str, str]:
        self.check_live()
        interface = self.interfaces.get(port_id)
        if interface is None:
            raise NotFound(f"Router {self.id} does not have an interface with id {port_id}")
        cidr = ipaddress.ip_network(interface["cidr"])
        for route in self.routes:
            if ipaddress.ip_address(route["nexthop"]) in cidr:
                raise InUse(f"Router interface for subnet {interface['subnet_id']} on router "
                            f"{self.id} cannot be deleted, as it is required by one or more "
                            "routes.")
        self._interface_removed(port_id)
        return interface

    class InterfaceRemoved(Entity.Event):
        port_id: str

    @event(InterfaceRemoved)
    def _interface_removed(self, port_id: str) -> None:
        del self.interfaces[port_id]

    # -- extra routes -----------------------------------------------------------------------
    def set_routes(self, routes: list[dict[str, str]]) -> None:
        self.check_live()
        joined = [ipaddress.ip_network(i["cidr"]) for i in self.interfaces.values()]
        for route in routes:
            nexthop = ipaddress.ip_address(route["nexthop"])
            if not any(nexthop in cidr for cidr in joined):
                raise InvalidInput(f"Invalid format for routes: {route}, the nexthop is not "
                                   "connected with router")
        if routes != self.routes:
            self._routes_set(routes)

    class RoutesSet(Entity.Event):
        routes: list[dict[str, str]]

    @event(RoutesSet)
    def _routes_set(self, routes: list[dict[str, str]]) -> None:
        self.routes = [dict(r) for r in routes]

    # -- where it runs ---------------------------------------------------------------------
    def schedule(self, host: str) -> None:
        """Run the router on `host` (Neutron's L3 agent scheduling); once placed it stays."""
        self.check_live()
        if self.host is None:
            self._scheduled(host)

    class Scheduled(Entity.Event):
        host: str

    @event(Scheduled)
    def _scheduled(self, host: str) -> None:
        self.host = host

    def move(self, host: str) -> None:
        """Run on `host` instead, at once (Neutron's automatic L3 agent failover): the old
        host's agent removes it, the new one's builds it; unplaced routers are not moved."""
        self.check_live()
        if self.host is not None and self.host != host:
            self._moved(self.host, host)

    class Moved(Entity.Event):
        from_host: str
        host: str

    @event(Moved)
    def _moved(self, from_host: str, host: str) -> None:
        self.host = host

    def unschedule(self) -> None:
        """Run nowhere (Neutron's removal from its L3 agent): it stays unplaced until an admin
        adds it to an agent, or a change to it lets the agents place it again."""
        self.check_live()
        if self.host is not None:
            self._unscheduled(self.host)

    class Unscheduled(Entity.Event):
        host: str  # where it ran: that host's agent removes it

    @event(Unscheduled)
    def _unscheduled(self, host: str) -> None:
        self.host = None

    def delete(self) -> None:
        self.check_live()
        if self.interfaces:
            raise RouterInUse(f"Router {self.id} still has ports")
        self._deleted()

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True
