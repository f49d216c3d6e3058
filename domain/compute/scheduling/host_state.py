"""What the scheduler knows about a host and what a boot asks for: plain values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class HostState:
    host: str
    availability_zone: str
    hypervisor_type: str
    vcpus: int
    memory_mb: int
    disk_gb: int
    cpu_ratio: float = 16.0
    ram_ratio: float = 1.5
    disk_ratio: float = 1.0
    enabled: bool = True
    forced_down: bool = False  # os-services forced_down: down whatever its heartbeats say
    last_beat: float = 0.0
    used_vcpus: int = 0
    used_ram: int = 0
    used_disk: int = 0
    instances: set[str] = field(default_factory=set)
    hypervisor_version: int = 0
    first_beat: float = 0.0  # the compute service's first heartbeat (its uptime counts from it)
    registered_zone: str = ""  # the zone the host registered with (an aggregate's overrides it)
    # Every value of each metadata key of the host's aggregates.
    aggregate_metadata: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def free_vcpus(self) -> float:
        return self.vcpus * self.cpu_ratio - self.used_vcpus

    @property
    def free_ram(self) -> float:
        return self.memory_mb * self.ram_ratio - self.used_ram

    @property
    def free_disk(self) -> float:
        return self.disk_gb * self.disk_ratio - self.used_disk

    def is_up(self, now: float, down_after: float) -> bool:
        return not self.forced_down and now - self.last_beat <= down_after


@dataclass(frozen=True)
class PendingClaim:
    """A claim the placing command has made but not saved yet (scheduling/pending.py)."""

    host: str
    key: str  # instance id (hex), or `<hex>:resize`, as the node's ledger keys it
    vcpus: int
    ram: int
    disk: int


@dataclass(frozen=True)
class RequestSpec:
    instance_id: str
    project_id: str
    vcpus: int
    ram: int
    disk: int
    availability_zone: str | None = None
    image_properties: dict[str, Any] = field(default_factory=dict)
    group_policy: str | None = None
    group_hosts: tuple[str, ...] = ()  # hosts of the group's other members, one entry each
    group_max_per_host: int = 1
    same_host: tuple[str, ...] = ()  # hosts of the instances named in the same_host hint
    different_host: tuple[str, ...] = ()
    ignore_hosts: tuple[str, ...] = ()  # hosts already tried for this instance
    pending: tuple[PendingClaim, ...] = ()  # this command's claims so far (other instances)
    extra_specs: dict[str, str] = field(default_factory=dict)  # the flavor's
    # The host an admin asked for at boot (Nova's requested_destination, 2.74): the only one
    # considered, the filters still run on it.
    requested_host: str | None = None
