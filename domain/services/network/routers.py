"""Neutron routers: create, update (labels, gateway, extra routes), delete, and the subnets
they join.

Every command saves the router with what it touches in ONE `save()`: creating one claims a unit
of the project's `routers` quota on its ledger (so concurrent creates never pass the limit); a
gateway holds an address of the external network (the floating IP pool's ledger, or a port on
a real external network); an interface is a port of the router's project holding the subnet's
gateway address (the network's ledger of addresses), so two routers cannot both take it.
"""

from __future__ import annotations

import uuid

from domain.app import SkyLedger
from domain.commands import command
from domain.context import RequestContext
from domain.network.config import NetworkConfig
from domain.network.router import Router
from domain.network.router_hosting import RouterHosting, hosting_id
from domain.services.network.router_plans import (
    GatewayRequest,
    check_routes,
    plan_gateway,
    plan_gateway_release,
    plan_interface_removal,
    plan_port_interface,
    plan_subnet_interface,
)
from domain.services.network.workset import Workset, check_network_access, check_owner

UNSET = object()


class RouterService:
    """Commands on routers. Every id is a hex or dashed UUID string."""

    def __init__(self, app: SkyLedger, config: NetworkConfig) -> None:
        self.app, self.config = app, config

    @command
    def create_router(self, ctx: RequestContext, project_id: str, name: str = "",
                      description: str = "", admin_state_up: bool = True,
                      gateway: GatewayRequest | None = None) -> Router:
        """QuotaExceeded past the project's `routers`."""
        ws = Workset(self.app)
        ws.ledger(project_id).claim({"routers": 1})
        router = ws.add(Router(id=uuid.uuid4(), project_id=project_id, name=name,
                               description=description, admin_state_up=admin_state_up))
        if gateway is not None:
            plan_gateway(ws, self.config, router, gateway)
        self.app.save(*ws.changed())
        return router

    @command
    def update_router(self, ctx: RequestContext, router_id: str, name: str | None = None,
                      description: str | None = None, admin_state_up: bool | None = None,
                      gateway: GatewayRequest | None | object = UNSET,
                      routes: list[dict[str, str]] | None = None) -> Router:
        """What is None (the gateway: UNSET) keeps its value; `routes` replaces them all."""
        ws = Workset(self.app)
        router = self.owned(ctx, ws, router_id)
        router.update(router.name if name is None else name,
                      router.description if description is None else description,
                      router.admin_state_up if admin_state_up is None else admin_state_up)
        if gateway is not UNSET:
            plan_gateway(ws, self.config, router,
                         gateway if isinstance(gateway, GatewayRequest) else None)
        if routes is not None:
            router.set_routes(check_routes(routes))
        self.save(ws)
        return router

    @command
    def change_routes(self, ctx: RequestContext, router_id: str, routes: list[dict[str, str]],
                      add: bool) -> Router:
        """Neutron's add_extraroutes / remove_extraroutes: the others are kept."""
        ws = Workset(self.app)
        router = self.owned(ctx, ws, router_id)
        changes = check_routes(routes)
        if add:
            wanted = router.routes + [r for r in changes if r not in router.routes]
        else:
            wanted = [r for r in router.routes if r not in changes]
        router.set_routes(wanted)
        self.save(ws)
        return router

    @command
    def delete_router(self, ctx: RequestContext, router_id: str) -> None:
        """RouterInUse (409) while it has interfaces; its gateway address goes back."""
        ws = Workset(self.app)
        router = self.owned(ctx, ws, router_id)
        router.delete()
        host = router.host
        if host is not None:
            ws.open(hosting_id(host), lambda: RouterHosting(host)).release(router.id.hex)
        plan_gateway_release(ws, router)
        ws.ledger(router.project_id).release({"routers": 1})
        self.app.save(*ws.changed())

    @command
    def add_subnet_interface(self, ctx: RequestContext, router_id: str, network_id: str,
                             subnet_id: str) -> tuple[Router, str]:
        """Join the subnet (a network the caller may use); returns the router and the port id."""
        ws = Workset(self.app)
        router = self.owned(ctx, ws, router_id)
        check_network_access(ctx, ws.network(network_id), network_id)
        port = plan_subnet_interface(ws, router, network_id, subnet_id)
        self.app.save(*ws.changed())
        return router, port.id.hex

    @command
    def add_port_interface(self, ctx: RequestContext, router_id: str,
                           port_id: str) -> tuple[Router, str]:
        ws = Workset(self.app)
        router = self.owned(ctx, ws, router_id)
        port = ws.port(port_id)
        check_owner(ctx, port.project_id, "Port", port_id)
        plan_port_interface(ws, router, port)
        self.app.save(*ws.changed())
        return router, port.id.hex

    @command
    def remove_interface(self, ctx: RequestContext, router_id: str, port_id: str | None,
                         subnet_id: str | None) -> tuple[Router, dict[str, str]]:
        ws = Workset(self.app)
        router = self.owned(ctx, ws, router_id)
        interface = plan_interface_removal(ws, router, port_id, subnet_id)
        self.app.save(*ws.changed())
        return router, interface

    @command
    def schedule_router(self, ctx: RequestContext, router_id: str, host: str) -> Router:
        """Place the router on `host` unless it runs somewhere already (the network agent of
        a host with routers asks; the first to save wins)."""
        ws = Workset(self.app)
        router = ws.live(router_id, Router, "Router")
        if router.host is None:
            router.schedule(host)
            ws.open(hosting_id(host), lambda: RouterHosting(host)).host_router(router.id.hex)
            self.app.save(*ws.changed())
        return router

    # -- queries ----------------------------------------------------------------------------
    def router(self, ctx: RequestContext, router_id: str) -> Router:
        return self.owned(ctx, Workset(self.app), router_id)

    def owned(self, ctx: RequestContext, ws: Workset, router_id: str) -> Router:
        router = ws.live(router_id, Router, "Router")
        check_owner(ctx, router.project_id, "Router", router_id)
        return router

    def save(self, ws: Workset) -> None:
        if ws.changed():
            self.app.save(*ws.changed())
