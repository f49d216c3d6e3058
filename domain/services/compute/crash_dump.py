"""trigger_crash_dump: the request the API records and the outcome the host's worker records
(domain/compute/crash_dump.py, domain/process/compute/crash_dump.py)."""

from __future__ import annotations

from uuid import UUID

from domain.app import SkyLedger
from domain.commands import command
from domain.compute.crash_dump import CrashDumpRequest, check_allowed
from domain.compute.instance import Instance
from domain.context import RequestContext
from domain.errors import NotFound


class CrashDumpService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def request(self, ctx: RequestContext, instance_id: UUID) -> UUID:
        instance = self.app.find(instance_id)
        if not isinstance(instance, Instance) or instance.deleted or \
                (instance.project_id != ctx.project_id and not ctx.is_admin):
            raise NotFound(f"Instance {instance_id} could not be found.")
        request = CrashDumpRequest(instance.id, check_allowed(instance, ctx.is_admin))
        self.app.save(request)
        return UUID(str(request.id))

    def get(self, request_id: UUID) -> CrashDumpRequest:
        return self.app.get(request_id, CrashDumpRequest, "Crash dump request")

    @command
    def triggered(self, ctx: RequestContext, request_id: UUID) -> None:
        request = self.get(request_id)
        request.triggered()
        self.app.save(request)

    @command
    def failed(self, ctx: RequestContext, request_id: UUID, reason: str) -> None:
        request = self.get(request_id)
        request.fail(reason)
        self.app.save(request)
