"""An instance's evacuations (Nova's `evacuate`): the hosts it was rebuilt away from while
they were down, whose guest and claim are still there. Instance's base (instance.py).

The evacuation's success records `Evacuated(host)` with the old host, saved with the new
host's claim becoming the instance's; the old host's claim stays on its node. When that host's
worker runs again it destroys the guest it still holds and records `EvacuationCleanedUp(host)`
saved with the release of its claim (domain/services/compute/evacuation.py), as Nova's
compute manager does at start (_destroy_evacuated_instances). Until then the old host's
resources stay claimed: a host that comes back may still run the guest.
"""

from __future__ import annotations

from eventsourcing.domain import event

from domain.base import Entity


class InstanceEvacuation(Entity):
    def evacuated_from(self) -> list[str]:
        """Old hosts not yet cleaned up (an instance from before evacuations has none)."""
        return list(getattr(self, "evacuated_hosts", None) or [])

    class Evacuated(Entity.Event):
        host: str

    @event(Evacuated)
    def evacuated(self, host: str) -> None:
        self.evacuated_hosts = [*self.evacuated_from(), host]

    def evacuation_cleaned_up(self, host: str) -> None:
        if host in self.evacuated_from():  # else a replayed report: ignored
            self._cleaned_up(host)

    class EvacuationCleanedUp(Entity.Event):
        host: str

    @event(EvacuationCleanedUp)
    def _cleaned_up(self, host: str) -> None:
        self.evacuated_hosts = [h for h in self.evacuated_from() if h != host]
