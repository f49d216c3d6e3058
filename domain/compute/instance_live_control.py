"""An instance's in-progress live migration steered from the API (Nova's 2.22 force-complete
and 2.24 abort of `/servers/{id}/migrations/{id}`). The request is recorded here; the source
host's worker, which is moving the guest, reads it from the instance and acts on the libvirt
job (domain/process/compute/plans.py, adapters/hypervisor/live_migration.py); the move's
outcome comes back as the live migration's ActionSucceeded or ActionFailed. Instance's base
(instance.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.compute.states import TaskState, VmState
from domain.errors import InvalidInput, InvalidState

ABORT, FORCE_COMPLETE = "abort", "force_complete"
# The reason an aborted live migration fails with: the migrations read model shows it
# `cancelled`, as Nova's abort leaves it.
ABORTED = "Live migration aborted on request"


class InstanceLiveControl(Entity):
    if TYPE_CHECKING:  # Instance's state (no runtime annotations: no dataclass fields here)
        pending: dict[str, Any] | None
        task_state: TaskState | None
        vm_state: VmState

    def check_unlocked(self, is_admin: bool, action: str) -> None:
        raise NotImplementedError  # Instance's

    def check_live_control(self, control: str, is_admin: bool) -> None:
        """Nova's 409s: the server must be live-migrating (and, to force it, be ACTIVE)."""
        name = "abort live migration" if control == ABORT else control
        self.check_unlocked(is_admin, name)
        if self.task_state is not TaskState.MIGRATING or (
                control == FORCE_COMPLETE and self.vm_state is not VmState.ACTIVE):
            raise InvalidState(
                f"Cannot '{name}' instance {self.id} while it is in vm_state "
                f"{self.vm_state.value}"
                + (f" task_state {self.task_state.value}" if self.task_state else ""))

    def migration_status(self) -> str | None:
        """The live migration's status as Nova names it: `preparing` until the destination is
        ready, then `running`; None when none is in progress."""
        pending = self.pending or {}
        if pending.get("action") != "live_migrate" or self.task_state is not TaskState.MIGRATING:
            return None
        return "running" if "target" in pending else "preparing"

    def request_live_control(self, control: str, migration_id: str, queued_too: bool) -> None:
        """`queued_too` (2.65): an abort may stop a migration still preparing. The status is
        the aggregate's own (the read model that found `migration_id` may lag)."""
        status = self.migration_status() or "completed"
        allowed = ("running", "preparing") if control == ABORT and queued_too else ("running",)
        if status not in allowed:
            method = "abort live migration" if control == ABORT else "force complete"
            raise InvalidInput(f"Migration {migration_id} state of instance {self.id} is "
                               f"{status}. Cannot {method} while the migration is in this "
                               "state.")
        if not (self.pending or {}).get(control):  # asked twice: once is enough
            self._live_control_requested(control)

    class LiveMigrationControlRequested(Entity.Event):
        control: str

    @event(LiveMigrationControlRequested)
    def _live_control_requested(self, control: str) -> None:
        self.pending = {**(self.pending or {}), control: True}
