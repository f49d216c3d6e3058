"""The capacity index: every host's state, kept sorted by its weighed score.

A scheduling decision walks hosts best-first and stops at the first few that pass the filters,
instead of filtering and weighing every host (`naive.py` does that, for comparison). Scores are
per-host (see weighers.py), so a claim or release re-sorts one host in O(log n).
"""

from __future__ import annotations

from collections.abc import Iterator

from sortedcontainers import SortedList

from domain.compute.scheduling.host_state import HostState
from domain.compute.scheduling.weighers import Weighted, score


class CapacityIndex:
    def __init__(self, weighers: list[Weighted]) -> None:
        self.weighers = weighers
        self.hosts: dict[str, HostState] = {}
        self._keys: dict[str, tuple[float, str]] = {}
        self._order: SortedList = SortedList()

    def upsert(self, state: HostState) -> None:
        self.remove(state.host)
        key = (-score(state, self.weighers), state.host)
        self.hosts[state.host] = state
        self._keys[state.host] = key
        self._order.add(key)

    def refresh(self, host: str) -> None:
        """Re-sort a host after its state object was changed in place."""
        if host in self.hosts:
            self.upsert(self.hosts[host])

    def remove(self, host: str) -> None:
        key = self._keys.pop(host, None)
        if key is not None:
            self._order.remove(key)
            del self.hosts[host]

    def best_first(self) -> Iterator[HostState]:
        for _, host in self._order:
            yield self.hosts[host]

    def best_first_among(self, hosts: set[str]) -> Iterator[HostState]:
        """The given hosts only, in index order: a few lookups instead of a walk of the index."""
        for _, host in sorted(self._keys[h] for h in hosts if h in self._keys):
            yield self.hosts[host]

    def __len__(self) -> int:
        return len(self.hosts)
