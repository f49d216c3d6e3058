"""What a host's reconciler found on its hypervisor that the events do not explain.

Kept in its own aggregate per host, not on the ComputeNode: the node is the capacity ledger that
every boot claims on, and a drift report saved there would conflict with those claims (the same
reason heartbeats live apart in ComputeHeartbeat). One stream per host also reads as that host's
drift history (`skyledger audit --aggregate <drift_id(host)>`).

A guest is recorded once per instance id: the reconciler records first and then destroys, so a
crash in between records nothing twice and the next cycle still destroys it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.app import SkyLedger
from domain.base import Entity, natural_id
from domain.commands import changed, command
from domain.context import RequestContext


def drift_id(host: str) -> UUID:
    return natural_id("host-drift", host)


class HostDrift(Entity):
    @staticmethod
    def create_id(host: str, **_: Any) -> UUID:
        return drift_id(host)

    class Opened(Entity.Created):
        host: str

    @event(Opened)
    def __init__(self, host: str) -> None:
        self.host = host
        self.strays: dict[str, dict[str, str]] = {}  # instance id (hex) -> what was found/done

    def observe_stray(self, instance_id: UUID, guest_state: str, reason: str,
                      resolution: str) -> None:
        if instance_id.hex not in self.strays:
            self._stray_observed(instance_id.hex, guest_state, reason, resolution)

    class StrayGuestObserved(Entity.Event):
        instance_id: str
        guest_state: str
        reason: str
        resolution: str

    @event(StrayGuestObserved)
    def _stray_observed(self, instance_id: str, guest_state: str, reason: str,
                        resolution: str) -> None:
        """A guest no live instance on this host explains; `resolution` says what the
        reconciler does about it ("destroyed", or "left" for guests it does not own)."""
        self.strays[instance_id] = {"guest_state": guest_state, "reason": reason,
                                    "resolution": resolution}


class DriftService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def stray_guest(self, ctx: RequestContext, host: str, instance_id: UUID, guest_state: str,
                    reason: str, resolution: str) -> None:
        drift = self.app.find(drift_id(host)) or HostDrift(host)
        drift.observe_stray(instance_id, guest_state, reason, resolution)
        self.app.save(*changed(drift))

    def of(self, host: str) -> HostDrift | None:
        drift = self.app.find(drift_id(host))
        return drift if isinstance(drift, HostDrift) else None
