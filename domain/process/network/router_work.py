"""The network agent's routers: placing the routers nobody runs yet on this host, and
converging the ones this host runs to their spec (router_plans.desired_routers) through the
RouterHost port. The agent (agent.py) owns the loop and the networks the routers plug into;
this holds what is about routers alone.
"""

from __future__ import annotations

import logging
from ipaddress import IPv4Address
from typing import Any, Protocol

from domain.app import SkyLedger
from domain.context import RequestContext
from domain.network.pool import EXTERNAL_NETWORK_ID
from domain.network.router import Router
from domain.network.router_backend import RouterHost, RouterSpec
from domain.process.network.router_plans import ExternalSide, desired_routers

log = logging.getLogger(__name__)


class RouterScheduling(Protocol):
    def schedule_router(self, ctx: RequestContext, router_id: str, host: str) -> Any: ...


class RouterWork:
    def __init__(self, app: SkyLedger, host: str, routers: RouterHost,
                 scheduling: RouterScheduling, external: ExternalSide | None) -> None:
        self.app, self.host, self.backend = app, host, routers
        self.scheduling, self.external = scheduling, external
        self._plan: dict[str, RouterSpec] | None = None
        self._settled: set[str] = set()

    def begin_batch(self) -> None:
        self._plan, self._settled = None, set()

    def plan(self) -> dict[str, RouterSpec]:
        if self._plan is None:
            self._plan = self.desired()
        return self._plan

    def desired(self) -> dict[str, RouterSpec]:
        return desired_routers(self.app, self.host, self.external)

    def place(self, ctx: RequestContext, router: Router) -> Router:
        """A router with somewhere to route (an interface or a gateway) and no host yet runs
        here from now on, unless another agent placed it first (then this changes nothing)."""
        if router.deleted or router.host is not None:
            return router
        if not (router.interfaces or router.gateway):
            return router
        log.info("host %s: placing router %s here", self.host, router.id.hex)
        placed: Router = self.scheduling.schedule_router(ctx, router.id.hex, self.host)
        self._plan = None  # the plan of this batch predates the placement
        return placed

    def converge(self, router_id: str) -> None:
        """The router as this batch's plan wants it: made or changed, or removed from here."""
        if router_id in self._settled:
            return
        spec = self.plan().get(router_id)
        if spec is not None:
            self.backend.ensure(spec)
        elif router_id in self.backend.routers():
            log.info("host %s: removing router %s", self.host, router_id)
            self.backend.remove(router_id)
        self._settled.add(router_id)

    def floating_of(self, router_id: str) -> set[IPv4Address]:
        spec = self.plan().get(router_id)
        return set() if spec is None else {m.floating_ip for m in spec.floating}

    def present(self) -> set[str]:
        """The routers this host has a namespace for."""
        return self.backend.routers()

    def converge_all(self) -> None:
        for router_id in sorted(set(self.plan()) | self.present()):
            self.converge(router_id)

    # -- the reconciler's part ----------------------------------------------------------------
    def drifts(self) -> list[tuple[str, str, str]]:
        """(kind, router id, detail): a router here that differs from its spec (or has no
        namespace), and a namespace no router here explains."""
        specs, present = self.desired(), self.present()
        found = []
        for router_id, spec in sorted(specs.items()):
            state = self.backend.state(router_id) if router_id in present else None
            if state is None:
                found.append(("router", router_id, "no namespace"))
            elif not state.satisfies(spec):
                found.append(("router", router_id, "namespace differs from the router"))
        found += [("stray-router", r, "no router here needs it")
                  for r in sorted(present - set(specs))]
        return found

    def repair(self, router_id: str) -> None:
        """Make or remove the router as current state says (never this batch's plan)."""
        spec = self.desired().get(router_id)
        if spec is not None:
            self.backend.ensure(spec)
        else:
            self.backend.remove(router_id)

    @staticmethod
    def networks_of(router: Router) -> list[str]:
        """The networks whose bridges the router's legs plug into (the pool has none)."""
        ids = {i["network_id"] for i in router.interfaces.values()}
        if router.gateway is not None and router.gateway["network_id"] != EXTERNAL_NETWORK_ID:
            ids.add(router.gateway["network_id"])
        return sorted(ids)
