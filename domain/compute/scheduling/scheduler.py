"""Choose hosts for a request: filters decide who may, weighers who should.

`candidates()` only proposes; the claim on the chosen host's ledger (saved with the instance)
is what makes the choice safe when the index was a moment stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from domain.compute.scheduling.filters import HostFilter
from domain.compute.scheduling.host_state import HostState, RequestSpec
from domain.compute.scheduling.index import CapacityIndex
from domain.compute.scheduling.pending import best_first_with, by_host, with_claims
from domain.compute.scheduling.weighers import Weighted, score


def passes(host: HostState, spec: RequestSpec, filters: list[HostFilter]) -> bool:
    return all(f.host_passes(host, spec) for f in filters)


def soft_group_order(hosts: Iterable[HostState], spec: RequestSpec) -> Iterator[HostState]:
    """Soft policies are preferences: affinity tries the group's hosts first, anti-affinity last."""
    if spec.group_policy not in ("soft-affinity", "soft-anti-affinity") or not spec.group_hosts:
        yield from hosts
        return
    members = set(spec.group_hosts)
    deferred = []
    prefer = spec.group_policy == "soft-affinity"
    for host in hosts:
        if (host.host in members) == prefer:
            yield host
        else:
            deferred.append(host)
    yield from deferred


def required_hosts(spec: RequestSpec) -> set[str] | None:
    """When hard affinity, a same_host hint or a requested host names the only possible hosts,
    just those (the filters still decide whether they pass)."""
    only: set[str] | None = None
    for named in (set(spec.group_hosts) if spec.group_policy == "affinity" else set(),
                  set(spec.same_host),
                  {spec.requested_host} if spec.requested_host is not None else set()):
        if named:
            only = named if only is None else only & named
    return only


class Scheduler:
    def __init__(self, index: CapacityIndex, filters: list[HostFilter]) -> None:
        self.index = index
        self.filters = filters

    def candidates(self, spec: RequestSpec, limit: int = 3) -> list[str]:
        """Up to `limit` hosts that pass every filter, best first."""
        chosen: list[str] = []
        only = required_hosts(spec)
        walk = self.index.best_first() if only is None else self.index.best_first_among(only)
        if spec.pending:
            walk = best_first_with(walk, self.index.hosts, spec.pending, self.index.weighers,
                                   only)
        ordered = soft_group_order(walk, spec)
        for host in ordered:
            if passes(host, spec, self.filters):
                chosen.append(host.host)
                if len(chosen) == limit:
                    break
        return chosen


class NaiveScheduler:
    """Filter every host, weigh the survivors, sort: the straightforward baseline."""

    def __init__(self, hosts: dict[str, HostState], filters: list[HostFilter],
                 weighers: list[Weighted]) -> None:
        self.hosts, self.filters, self.weighers = hosts, filters, weighers

    def candidates(self, spec: RequestSpec, limit: int = 3) -> list[str]:
        claimed = by_host(spec.pending)
        hosts = [with_claims(h, claimed[h.host]) if h.host in claimed else h
                 for h in self.hosts.values()]
        survivors = [h for h in hosts if passes(h, spec, self.filters)]
        survivors.sort(key=lambda h: (-score(h, self.weighers), h.host))
        return [h.host for h in soft_group_order(survivors, spec)][:limit]
