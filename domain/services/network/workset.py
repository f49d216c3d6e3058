"""The aggregates one command touches: each loaded once, all saved together in one `save()`.

Loading each aggregate once matters for correctness, not only speed: two ports planned in one
command must claim on the same `Network` object (two copies would hand out the same address),
and one `save()` must not hold two copies of an aggregate (their events would collide).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from domain.app import SkyLedger
from domain.context import RequestContext
from domain.errors import NotFound
from domain.network.floating import FloatingIp
from domain.network.network import Network
from domain.network.pool import TENANT_SUBNETS, AllocationPool, SubnetPool, pool_id
from domain.network.port import Port
from domain.network.prefix_pool import PrefixPool
from domain.network.registry import ProjectNetworks, registry_id
from domain.network.security_group import SecurityGroup
from domain.quota.ledger import QuotaLedger, ledger_id

T = TypeVar("T")


class Workset:
    """An identity map for one command run (make a new one on every `@command` attempt).

    `shared` are aggregates the caller has loaded already and saves itself, e.g. the boot
    command's quota ledger: the workset claims on those very objects and leaves them out of
    `changed()`, so the caller's `save(*own, *workset.changed())` holds each aggregate once.
    """

    def __init__(self, app: SkyLedger, *shared: Any) -> None:
        self.app = app
        self.loaded: dict[UUID, Any] = {a.id: a for a in shared}
        self.shared = {a.id for a in shared}

    def find(self, aggregate_id: UUID) -> Any | None:
        if aggregate_id not in self.loaded:
            found = self.app.find(aggregate_id)
            if found is None:
                return None
            self.loaded[aggregate_id] = found
        return self.loaded[aggregate_id]

    def add(self, aggregate: T) -> T:
        """Track a new aggregate so that later steps find it and `changed()` saves it."""
        self.loaded[aggregate.id] = aggregate  # type: ignore[attr-defined]
        return aggregate

    def open(self, aggregate_id: UUID, make: Callable[[], T]) -> T:
        """The aggregate, or a new one (two racing openers conflict on save; one reruns)."""
        found = self.find(aggregate_id)
        return found if found is not None else self.add(make())

    def changed(self) -> list[Any]:
        """What to save: every aggregate with pending events, except the caller's shared ones."""
        return [a for i, a in self.loaded.items() if a.pending_events and i not in self.shared]

    # -- the aggregates of networking -----------------------------------------------------------
    def ledger(self, project_id: str) -> QuotaLedger:
        return self.open(ledger_id(project_id), lambda: QuotaLedger(project_id))

    def pool(self, kind: str) -> AllocationPool:
        kind_class = SubnetPool if kind == TENANT_SUBNETS else AllocationPool
        return self.open(pool_id(kind), lambda: kind_class(kind))

    def registry(self, project_id: str) -> ProjectNetworks:
        return self.open(registry_id(project_id), lambda: ProjectNetworks(project_id))

    def network(self, network_id: str) -> Network:
        return self.live(network_id, Network, "Network")

    def port(self, port_id: str) -> Port:
        return self.live(port_id, Port, "Port")

    def prefix_pool(self, pool_id: str) -> PrefixPool:
        return self.live(pool_id, PrefixPool, "Subnet pool")

    def floating_ip(self, floating_ip_id: str) -> FloatingIp:
        return self.live(floating_ip_id, FloatingIp, "Floating IP")

    def security_group(self, group_id: str) -> SecurityGroup:
        return self.live(group_id, SecurityGroup, "Security group")

    def live(self, ref: str, kind: type[T], what: str) -> T:
        """An aggregate of `kind` that is not deleted, or NotFound in the domain's words."""
        found = self.find(parse_id(ref, what))
        if not isinstance(found, kind) or getattr(found, "deleted", False):
            raise NotFound(f"{what} {ref} could not be found.")
        return found


def parse_id(ref: str, what: str) -> UUID:
    try:
        return UUID(str(ref))
    except ValueError:
        raise NotFound(f"{what} {ref} could not be found.") from None


def check_owner(ctx: RequestContext, project_id: str, what: str, ref: str) -> None:
    """Another project's resource does not exist, as far as a non-admin request can tell."""
    if project_id != ctx.project_id and not ctx.is_admin:
        raise NotFound(f"{what} {ref} could not be found.")


def check_network_access(ctx: RequestContext, network: Network, ref: str) -> None:
    """Ports may be made on one's own networks, and on shared or external ones."""
    if not (network.shared or network.external):
        check_owner(ctx, network.project_id, "Network", ref)
