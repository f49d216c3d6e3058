"""Server diagnostics: the request the API records and the answer a compute worker records
(domain/compute/diagnostics.py, domain/process/compute/diagnostics.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.commands import command
from domain.compute.diagnostics import DiagnosticsRequest
from domain.context import RequestContext


class DiagnosticsService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def request(self, ctx: RequestContext, instance_id: UUID, host: str) -> UUID:
        request = DiagnosticsRequest(instance_id, host)
        self.app.save(request)
        return UUID(str(request.id))

    def get(self, request_id: UUID) -> DiagnosticsRequest:
        return self.app.get(request_id, DiagnosticsRequest, "Diagnostics request")

    @command
    def answer(self, ctx: RequestContext, request_id: UUID, report: dict[str, Any]) -> None:
        request = self.get(request_id)
        request.answer(report)
        self.app.save(request)

    @command
    def refuse(self, ctx: RequestContext, request_id: UUID, state: str) -> None:
        request = self.get(request_id)
        request.refuse(state)
        self.app.save(request)
