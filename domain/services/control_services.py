"""Registration and beats of the control services a process runs (domain/control/service.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.app import SkyLedger
from domain.commands import command
from domain.context import RequestContext
from domain.control.service import ControlService, control_service_id


class ControlServices:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def beat(self, ctx: RequestContext, host: str, zones: dict[str, str],
             fresh_for: float = 0.0) -> None:
        """Register each service (binary -> zone) of `host` on its first beat, and beat for it
        unless another process of the same host beat within `fresh_for` seconds (several API
        processes of one host do the same jobs: one beat an interval says they are up)."""
        since = datetime.now(UTC) - timedelta(seconds=fresh_for)
        changed = []
        for binary, zone in zones.items():
            service = self.app.find(control_service_id(host, binary))
            if not isinstance(service, ControlService):
                changed.append(ControlService(host, binary, zone))
                continue
            if service.availability_zone != zone:
                service.rezone(zone)
            elif fresh_for and service.beaten_since(since):
                continue
            service.beat()
            changed.append(service)
        if changed:
            self.app.save(*changed)
