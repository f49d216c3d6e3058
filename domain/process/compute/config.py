"""How one compute worker runs: its host's identity and its timings."""

from __future__ import annotations

from dataclasses import dataclass

from domain.compute.backends import MigrationTarget


@dataclass(frozen=True)
class WorkerConfig:
    host: str
    availability_zone: str = "nova"
    cpu_ratio: float = 16.0
    ram_ratio: float = 1.5
    disk_ratio: float = 1.0
    report_interval: float = 10.0  # seconds between heartbeats
    poll_interval: float = 0.2  # seconds between looks at the log when nothing woke us
    reconcile_interval: float = 10.0
    console_interval: float = 2.0
    stop_timeout: float = 5.0  # a stop asks the guest (ACPI) this long before forcing it off
    batch_size: int = 100
    # Destroy guests whose uuid names no instance at all (not only report them). Off by
    # default: they may belong to another tool sharing this hypervisor.
    destroy_unknown_guests: bool = False
    # How another host's hypervisor reaches this one for a live migration; None: this host
    # takes none (a live migration to it fails, and the guest stays where it ran).
    incoming: MigrationTarget | None = None
    # Nova's reclaim_instance_interval (seconds; 0: deletes are not deferred, nothing to reclaim).
    reclaim_instance_interval: float = 0.0

    @property
    def position_name(self) -> str:
        """The tracking position's key: one per host, whichever process runs its worker."""
        return f"compute-worker:{self.host}"

    @property
    def user_id(self) -> str:
        """Who the events this worker records say did it."""
        return f"compute:{self.host}"
