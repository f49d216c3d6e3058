"""A request for one server's diagnostics (Compute `GET /servers/{id}/diagnostics`), answered
by the compute worker of the server's host.

Nova's API asks the server's host over RPC and waits for the answer. Here the request is an
event: the worker of the host named in it reads the guest's statistics through its hypervisor
port and records them (`answer`), or records why it cannot (`refuse`: the guest is not running,
Nova's InstanceInvalidState). One aggregate per request, so answering twice after a replay is
refused by the aggregate itself, and the statistics stay on record (for the audit trail) like
everything else a host reported.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity
from domain.compute.backends import GuestDiagnostics


class DiagnosticsRequest(Entity):
    class Requested(Entity.Created):
        instance_id: UUID
        host: str

    @event(Requested)
    def __init__(self, instance_id: UUID, host: str) -> None:
        self.instance_id, self.host = instance_id, host
        self.report: dict[str, Any] | None = None
        self.refusal: str | None = None

    @property
    def answered(self) -> bool:
        return self.report is not None or self.refusal is not None

    def answer(self, report: dict[str, Any]) -> None:
        if not self.answered:
            self._answered(report)

    @event("Answered")
    def _answered(self, report: dict[str, Any]) -> None:
        self.report = report

    def refuse(self, state: str) -> None:
        """`state`: the guest's power state, as Nova names it in its 409 ("shutdown")."""
        if not self.answered:
            self._refused(state)

    @event("Refused")
    def _refused(self, state: str) -> None:
        self.refusal = state


def report_of(stats: GuestDiagnostics) -> dict[str, Any]:
    """The statistics as plain data, for the event."""
    return {**asdict(stats), "state": stats.state.value}
