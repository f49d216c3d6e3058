"""Claims a command has made but not yet saved, counted by the scheduler.

One request for several servers (`max_count`) places them one by one and saves every claim in
one transaction, so the capacity view has none of them while it chooses. Nova weighs each
instance of a request after consuming the ones before it from the chosen host's state; without
that, the best host takes every instance while it fits, and equal hosts never share a request.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import replace

from domain.compute.scheduling.host_state import HostState, PendingClaim
from domain.compute.scheduling.weighers import Weighted, score


def with_claims(state: HostState, claims: Iterable[PendingClaim]) -> HostState:
    """A copy of the host's state as if the claims were saved."""
    claims = list(claims)
    return replace(state, used_vcpus=state.used_vcpus + sum(c.vcpus for c in claims),
                   used_ram=state.used_ram + sum(c.ram for c in claims),
                   used_disk=state.used_disk + sum(c.disk for c in claims),
                   instances=state.instances | {c.key.split(":")[0] for c in claims})


def by_host(pending: Iterable[PendingClaim]) -> dict[str, list[PendingClaim]]:
    grouped: dict[str, list[PendingClaim]] = {}
    for claim in pending:
        grouped.setdefault(claim.host, []).append(claim)
    return grouped


def best_first_with(walk: Iterable[HostState], states: dict[str, HostState],
                    pending: Iterable[PendingClaim], weighers: list[Weighted],
                    only: set[str] | None = None) -> Iterator[HostState]:
    """`walk` (hosts best first by their saved state) with the hosts that have pending claims
    weighed again and merged in where they now belong; those come as adjusted copies, so the
    filters see them too. `only` limits them as it limits the walk."""
    heap = []
    claimed = by_host(pending)
    for host, claims in claimed.items():
        if host in states and (only is None or host in only):
            state = with_claims(states[host], claims)
            heap.append(((-score(state, weighers), host), state))
    heapq.heapify(heap)
    for state in walk:
        if state.host in claimed:
            continue
        key = (-score(state, weighers), state.host)
        while heap and heap[0][0] < key:
            yield heapq.heappop(heap)[1]
        yield state
    while heap:
        yield heapq.heappop(heap)[1]
