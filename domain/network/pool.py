"""Shared pools as ledger aggregates: segmentation ids, tenant subnets, floating addresses.

One `AllocationPool` aggregate per pool records every value held and by whom. A command that
takes a value saves the pool in the same `save()` as the holder (the network, the floating IP),
so two concurrent requests can never both take a value: the second save conflicts on the
pool's version, `@command` reruns it on fresh state, and it picks the next free value.

Why one ledger per pool rather than one natural-id claim aggregate per value (as `NameClaim`
does for names). A per-value claim conflicts only when two requests pick the same value, but
finding a free value then needs either a scan (one load per value, and exhaustion is only known
after loading all of them) or a read model, which may guide a choice but cannot be the authority
(ARCHITECTURE.md rule 2); and requests picking "the lowest free" would collide anyway. The ledger
makes the choice in memory, exhaustion exact and reuse after release trivial; its cost is that
every allocation from one pool serialises on one aggregate version. That is cheap here: these
allocations are rare next to boots (one network per project, floating IPs on user request), a
ledger holds at most thousands of entries, and the aggregate cache fast-forwards it instead of
replaying it. Should contention ever show, split a pool into N ledgers over disjoint slices and
start each request at a hashed slice: the same invariant, N times fewer conflicts.

Values are recorded as they are (not as slot numbers), and a pool's id depends only on its
kind, never on the configured range: an operator who widens or moves a range keeps every
existing allocation in force.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import ip_network
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.network.errors import InUse, PoolExhausted

TENANT_SUBNETS = "tenant-subnets"
EXTERNAL_ADDRESSES = "external-addresses"
# The external pool as Neutron clients see it: one `router:external` network with one subnet.
EXTERNAL_NETWORK_ID = natural_id("external-network", "floating-pool").hex
EXTERNAL_SUBNET_ID = natural_id("external-subnet", "floating-pool").hex


def segmentation_kind(segment_type: str) -> str:
    # VLAN ids and VXLAN VNIs live on different wires, so each type has a pool of its own.
    return f"segmentation-{segment_type}"


def pool_id(kind: str) -> UUID:
    return natural_id("network-pool", kind)


class AllocationPool(Entity):
    """Values held by equality: a segmentation id or an address is either free or taken."""

    @staticmethod
    def create_id(kind: str) -> UUID:
        return pool_id(kind)

    class Opened(Entity.Created):
        kind: str

    @event(Opened)
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.held: dict[str, str] = {}  # value -> holder id (hex)

    def holder(self, value: str) -> str | None:
        return self.held.get(value)

    def is_free(self, value: str) -> bool:
        return value not in self.held

    def first_free(self, candidates: Iterable[str]) -> str | None:
        return next((value for value in candidates if self.is_free(value)), None)

    def pick(self, candidates: Iterable[str], requested: str | None, what: str) -> str:
        """The value asked for if it is free, else the first free candidate; the caller then
        claims it for its holder (whose id may only exist once the value is known)."""
        if requested is not None:
            if not self.is_free(requested):
                raise InUse(f"The {what} {requested} is already in use.")
            return requested
        value = self.first_free(candidates)
        if value is None:
            raise PoolExhausted(f"No {what} is available: every one is in use.")
        return value

    def claim(self, value: str, holder: str) -> None:
        """Take `value` for `holder`; taking it again for the same holder changes nothing."""
        if self.held.get(value) == holder:
            return
        if not self.is_free(value):
            raise InUse(f"{value} is already in use ({self.kind}).")
        self._allocated(value, holder)

    class Allocated(Entity.Event):
        value: str
        holder: str

    @event(Allocated)
    def _allocated(self, value: str, holder: str) -> None:
        self.held[value] = holder

    def release(self, value: str, holder: str) -> None:
        """Give `value` back; only its holder can, and a second release changes nothing."""
        if self.held.get(value) == holder:
            self._released(value, holder)

    class Released(Entity.Event):
        value: str
        holder: str

    @event(Released)
    def _released(self, value: str, holder: str) -> None:
        del self.held[value]


class SubnetPool(AllocationPool):
    """CIDRs held by overlap: 10.0.1.0/24 is not free while 10.0.0.0/23 is held. Checking
    overlap (not just equality) keeps the invariant even after the prefix length is changed."""

    def is_free(self, value: str) -> bool:
        if value in self.held:
            return False
        candidate = ip_network(value)
        return not any(candidate.overlaps(ip_network(held)) for held in self.held)

    def first_free(self, candidates: Iterable[str]) -> str | None:
        # The common case (one prefix length throughout) only needs the cheap equality test
        # before the single overlap check of the value it returns.
        return next((v for v in candidates if v not in self.held and self.is_free(v)), None)
