"""Compute hosts as the operator's `skyledger hosts` shows them, live or as of a past moment.

Host capacity and usage are not a table: they are the scheduler's in-memory capacity view
(projections/capacity.py). For a past moment the same view is fed the log only up to that
position (CapacityAt), and a host's up/down is judged by its last heartbeat as of that time,
not now: a host that was beating then was up then.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.app import SkyLedger
from domain.compute.scheduling.host_state import HostState
from projections.capacity import HostCapacities
from projections.store import Row


class CapacityAt(HostCapacities):
    """The capacity view as of position `until` (it never reads past it)."""

    def __init__(self, app: SkyLedger, until: int, down_after: float) -> None:
        super().__init__(app, down_after=down_after)
        self.until = until


def host_docs(states: dict[str, HostState], services: list[Row], now: float,
              down_after: float) -> list[dict[str, Any]]:
    """One plain dict per registered host, in registration order (`services` is
    ServerViews.services(): it gives that order and the disable reason)."""
    docs = []
    for service in services:
        state = states.get(service["host"])
        if state is None:
            continue
        beat = state.last_beat
        docs.append({
            "host": state.host, "zone": state.availability_zone,
            "state": "up" if state.is_up(now, down_after) else "down",
            "status": "enabled" if state.enabled else "disabled",
            "disabled_reason": service["disabled_reason"],
            "hypervisor_type": state.hypervisor_type,
            "vcpus": state.vcpus, "vcpus_used": state.used_vcpus,
            "memory_mb": state.memory_mb, "memory_mb_used": state.used_ram,
            "disk_gb": state.disk_gb, "disk_gb_used": state.used_disk,
            "instances": sorted(state.instances),
            "last_heartbeat": (datetime.fromtimestamp(beat, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                               if beat else None),
        })
    return docs
