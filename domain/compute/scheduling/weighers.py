"""Weighers: one number per host, higher is better, scaled by a multiplier.

Each weight is normalised by the host's own capacity (free fraction), not across all hosts as
Nova does; that keeps a host's score independent of the others, so an index can keep hosts
sorted by score and update one host at a time. A positive RAM/CPU multiplier spreads, a
negative one packs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.compute.scheduling.host_state import HostState


class Weigher(Protocol):
    def weigh(self, host: HostState) -> float: ...


class RamWeigher:
    def weigh(self, host: HostState) -> float:
        limit = host.memory_mb * host.ram_ratio
        return host.free_ram / limit if limit else 0.0


class CpuWeigher:
    def weigh(self, host: HostState) -> float:
        limit = host.vcpus * host.cpu_ratio
        return host.free_vcpus / limit if limit else 0.0


class InstanceCountWeigher:
    """More instances weigh more; give it a negative multiplier to prefer emptier hosts."""

    def weigh(self, host: HostState) -> float:
        return float(len(host.instances))


@dataclass(frozen=True)
class Weighted:
    weigher: Weigher
    multiplier: float


def default_weighers(
    ram: float = 1.0, cpu: float = 0.0, instances: float = -0.001
) -> list[Weighted]:
    return [
        Weighted(RamWeigher(), ram),
        Weighted(CpuWeigher(), cpu),
        Weighted(InstanceCountWeigher(), instances),
    ]


def score(host: HostState, weighers: list[Weighted]) -> float:
    return sum(w.multiplier * w.weigher.weigh(host) for w in weighers if w.multiplier)
