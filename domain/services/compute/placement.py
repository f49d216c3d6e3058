"""Placing one instance: ask the scheduler for candidates, claim the first host that accepts.

The scheduler's view may be a moment stale; the node's own ledger and the group's membership
are the authority, and both are saved with the instance by the calling command.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Protocol

from domain.app import SkyLedger
from domain.commands import HeldLocks
from domain.compute.copies import FlavorCopy
from domain.compute.instance import Instance
from domain.compute.node import ComputeNode, HostFull, node_id
from domain.compute.scheduling.host_state import PendingClaim, RequestSpec
from domain.compute.server_group import GroupPolicyViolated, ServerGroup

CANDIDATES = 10


class HostChooser(Protocol):
    """The scheduler as the command side sees it (an in-memory index kept by a follower)."""

    def candidates(self, spec: RequestSpec, limit: int = 3) -> list[str]: ...


class Nodes:
    """The compute nodes a command has loaded, so each is loaded once and saved once.

    With `locks`, each node's write lock is taken before it is loaded (and held until the
    command's attempt ends): the first one waited for, any further one only if free (see
    HeldLocks for why that order cannot deadlock)."""

    def __init__(self, app: SkyLedger, locks: HeldLocks | None = None) -> None:
        self.app = app
        self.locks = locks
        self.loaded: dict[str, ComputeNode] = {}

    def get(self, host: str) -> ComputeNode | None:
        if host not in self.loaded:
            if self.locks is not None:
                self.locks.take(node_id(host), wait=not self.loaded)
            node = self.app.find(node_id(host))
            if node is None:
                return None
            self.loaded[host] = node
        return self.loaded[host]

    def changed(self) -> list[ComputeNode]:
        return [n for n in self.loaded.values() if n.pending_events]

    def pending_claims(self) -> tuple[PendingClaim, ...]:
        """Claims made by this command and not saved yet (the scheduler's view has none of
        them): a request for several servers weighs each after the ones before it."""
        return tuple(
            PendingClaim(host, e.instance_id, *(int(node.claims[e.instance_id].get(r, 0))
                                               for r in ("vcpus", "ram", "disk")))
            for host, node in self.loaded.items() for e in node.pending_events
            if isinstance(e, ComputeNode.Claimed) and e.instance_id in node.claims)


def request_spec(instance: Instance, group: ServerGroup | None, same_host: tuple[str, ...],
                 different_host: tuple[str, ...],
                 flavor: FlavorCopy | None = None,
                 requested_host: str | None = None) -> RequestSpec:
    """`requested_host`: the boot's own (its reschedules too); moves never keep it (Nova clears
    requested_destination on resize, migrate and unshelve without a host)."""
    f = flavor or instance.flavor
    resources = Instance.resources_of(f)
    others = tuple(group.other_hosts(instance.id.hex)) if group else ()
    return RequestSpec(
        instance_id=instance.id.hex, project_id=instance.project_id, vcpus=resources["vcpus"],
        ram=resources["ram"], disk=resources["disk"],
        availability_zone=instance.availability_zone,
        image_properties=dict(instance.image.get("properties", {})),
        group_policy=group.policy if group else None, group_hosts=others,
        group_max_per_host=int(group.rules.get("max_server_per_host", 1)) if group else 1,
        same_host=same_host, different_host=different_host,
        ignore_hosts=tuple(instance.tried_hosts),
        extra_specs=dict(f.get("extra_specs") or {}), requested_host=requested_host,
    )


def place(instance: Instance, spec: RequestSpec, chooser: HostChooser, nodes: Nodes,
          group: ServerGroup | None, claim_key: str | None = None,
          subset: int = 1) -> str | None:
    """Claim a host for the instance (under `claim_key`, default its id); None if none accepts.

    With `subset` > 1 the first host tried is drawn at random from the best `subset` (Nova's
    host_subset_size), the others follow in order: concurrent boots that all see the same best
    host then spread over several hosts' ledgers instead of queueing on one."""
    resources = {"vcpus": spec.vcpus, "ram": spec.ram, "disk": spec.disk}
    spec = replace(spec, pending=nodes.pending_claims())
    for host in spread(chooser.candidates(spec, limit=max(CANDIDATES, subset)), subset):
        node = nodes.get(host)
        if node is None or not node.enabled:
            continue
        try:
            node.check_fits(resources)
            if group is not None:
                group.check_host(instance.id.hex, host)
        except (HostFull, GroupPolicyViolated):
            continue
        node.claim(claim_key or instance.id.hex, resources)
        return host
    return None


def spread(candidates: list[str], subset: int) -> list[str]:
    """One of the best `subset` candidates first (at random), then the rest in order."""
    if subset <= 1 or len(candidates) <= 1:
        return candidates
    first = random.randrange(min(subset, len(candidates)))
    return [candidates[first], *candidates[:first], *candidates[first + 1:]]
