"""Nova's trigger_crash_dump (2.17): a non-maskable interrupt injected into a server's guest, so
that a kernel configured for it writes a crash dump (kdump) and reboots.

The request is recorded as an aggregate of its own, naming the server and its host at that
moment; the worker of that host injects the NMI through its hypervisor port and records the
outcome, as Nova's compute manager does after the API's cast. The server's states do not change
(Nova's manager touches neither its task_state nor its power state: what the guest does with the
NMI is its own configuration). One aggregate per request keeps the first outcome, so a replayed
worker records nothing twice.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity
from domain.compute.instance import Instance
from domain.compute.states import VmState
from domain.errors import InvalidState

ACTION = "trigger_crash_dump"
# Nova's vm_states.ALLOW_TRIGGER_CRASH_DUMP.
ALLOWED = frozenset({VmState.ACTIVE, VmState.PAUSED, VmState.RESCUED, VmState.RESIZED,
                     VmState.ERROR})


def check_allowed(instance: Instance, is_admin: bool) -> str:
    """The host to ask, or Nova's 409: a locked server (for a non-admin), a server on no host
    (InstanceNotReady), or a vm_state outside ALLOWED (InstanceInvalidState)."""
    instance.check_unlocked(is_admin, ACTION)
    if instance.host is None:
        raise InvalidState(f"Instance {instance.id} is not ready")
    if instance.vm_state not in ALLOWED:
        raise InvalidState(f"Cannot '{ACTION}' instance {instance.id} while it is in vm_state "
                           f"{instance.vm_state.value}")
    return instance.host


class CrashDumpRequest(Entity):
    class Requested(Entity.Created):
        instance_id: UUID
        host: str

    @event(Requested)
    def __init__(self, instance_id: UUID, host: str) -> None:
        self.instance_id, self.host = instance_id, host
        self.result: str | None = None  # "Success" or "Error", as Nova's action events
        self.reason: str | None = None

    # The outcomes name the server too: the instance-action read model files them under it.
    def triggered(self) -> None:
        if self.result is None:
            self._triggered(self.instance_id)

    class Triggered(Entity.Event):
        instance_id: UUID

    @event(Triggered)
    def _triggered(self, instance_id: UUID) -> None:
        self.result = "Success"

    def fail(self, reason: str) -> None:
        if self.result is None:
            self._failed(self.instance_id, reason)

    class Failed(Entity.Event):
        instance_id: UUID
        reason: str

    @event(Failed)
    def _failed(self, instance_id: UUID, reason: str) -> None:
        self.result, self.reason = "Error", reason
