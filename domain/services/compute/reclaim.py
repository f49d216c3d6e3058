"""The reclaimer's command: delete a SOFT_DELETED server for real once its interval is over
(domain/process/compute/reclaimer.py decides when)."""

from __future__ import annotations

from uuid import UUID

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.compute.instance import Instance
from domain.compute.states import VmState
from domain.context import RequestContext


class ReclaimService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def reclaim(self, ctx: RequestContext, instance_id: UUID, soft_deleted_at: int) -> bool:
        """Request the delete of an instance still as its soft delete left it: SOFT_DELETED
        with no event since the one at version `soft_deleted_at` (restored and deleted again
        meanwhile, it waits for its new interval). False when there is nothing to do, so a
        replay, or a second reclaimer, requests nothing twice."""
        instance = self.app.find(instance_id)
        if not isinstance(instance, Instance) or instance.deleted or \
                instance.vm_state is not VmState.SOFT_DELETED or \
                instance.version != soft_deleted_at:
            return False
        instance.request_delete()
        self.app.save(*changed(instance))
        return True
