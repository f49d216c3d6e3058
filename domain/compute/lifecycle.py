"""How each Instance event moves a server through its states: one pure function per event over one
small record. The `Instance` aggregate and the servers read model (projections/servers.py) both
evolve through these, so the state machine is written once and the two cannot drift.

The record holds what the state machine touches; each side keeps the rest (the aggregate its
tried hosts, the read model its timestamps) and converts at its own boundary: enums and a fault
dict on the aggregate, their plain values in the read model's JSON document.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from domain.compute.copies import FlavorCopy, ImageCopy
from domain.compute.states import TRANSITIONS, PowerState, TaskState, VmState

NO_VALID_HOST = "No valid host was found."


@dataclass(frozen=True)
class Fault:
    """The newest failure. A step that fails makes a new one; every other step carries the same
    object on, so a reader can tell a fault just recorded (and stamp its time) by identity."""

    message: str


@dataclass(frozen=True)
class Lifecycle:
    vm_state: VmState
    task_state: TaskState | None
    power_state: PowerState
    host: str | None
    flavor: FlavorCopy
    image: ImageCopy
    old_flavor: FlavorCopy | None = None
    resize_from: dict[str, Any] | None = None  # {host, vm_state} before a resize
    pending: dict[str, Any] | None = None  # the in-progress action and its parameters
    fault: Fault | None = None


def requested(flavor: FlavorCopy, image: ImageCopy) -> Lifecycle:
    return Lifecycle(VmState.BUILDING, TaskState.SCHEDULING, PowerState.NOSTATE, None,
                     flavor, image)


def host_claimed(s: Lifecycle, host: str) -> Lifecycle:
    return replace(s, host=host, task_state=TaskState.SPAWNING)


def errored(s: Lifecycle, message: str) -> Lifecycle:
    """Scheduling failed or the build was aborted: the server is in error on no host."""
    return replace(s, vm_state=VmState.ERROR, task_state=None, host=None, fault=Fault(message))


def scheduling_failed(s: Lifecycle, reason: str) -> Lifecycle:
    return errored(s, f"{NO_VALID_HOST} {reason}".strip())


def spawned(s: Lifecycle) -> Lifecycle:
    return replace(s, vm_state=VmState.ACTIVE, task_state=None, power_state=PowerState.RUNNING)


def spawn_failed(s: Lifecycle, reason: str) -> Lifecycle:
    """Back to scheduling, on no host: the caller reschedules or aborts the build."""
    return replace(s, host=None, task_state=TaskState.SCHEDULING, fault=Fault(reason))


def action_requested(s: Lifecycle, action: str, from_state: str,
                     params: dict[str, Any]) -> Lifecycle:
    """A rebuild shows its new image at once, as Nova records it when it accepts the rebuild;
    the image it replaces is kept with the pending action, to spawn again if the rebuild
    fails."""
    pending = {"action": action, "from_state": from_state, **params}
    if action == "rebuild" and "image" in params:
        return replace(s, task_state=TRANSITIONS[action].task, image=params["image"],
                       pending={**pending, "replaced_image": s.image})
    return replace(s, task_state=TRANSITIONS[action].task, pending=pending)


def action_succeeded(s: Lifecycle, action: str, vm_state: VmState,
                     power_state: PowerState) -> Lifecycle:
    """The worker carried the pending action out; a resize moves flavor and host (and a revert
    moves them back)."""
    params = s.pending or {}
    s = replace(s, vm_state=vm_state, task_state=None, power_state=power_state, pending=None,
                fault=None)
    if action == "resize":
        return replace(s, old_flavor=s.flavor, flavor=params["flavor"],
                       resize_from={"host": s.host, "vm_state": params["from_state"]},
                       host=params.get("host", s.host))
    if action == "revert_resize" and s.old_flavor is not None:
        return replace(s, flavor=s.old_flavor, old_flavor=None, resize_from=None,
                       host=(s.resize_from or {}).get("host", s.host))
    if action == "confirm_resize":
        return replace(s, old_flavor=None, resize_from=None)
    if action in ("shelve", "shelve_offload"):
        return replace(s, host=None)  # offloaded: on no host until unshelved
    if action in ("unshelve", "live_migrate", "evacuate"):
        return replace(s, host=params.get("host", s.host))
    return s


def awaits_target(s: Lifecycle) -> bool:
    """A live migration whose destination has not reported ready yet."""
    pending = s.pending or {}
    return pending.get("action") == "live_migrate" and "target" not in pending


def migration_prepared(s: Lifecycle, target: dict[str, Any]) -> Lifecycle:
    """A live migration's destination made ready: how the source reaches it, for the move."""
    return replace(s, pending={**(s.pending or {}), "target": target})


def action_failed(s: Lifecycle, reason: str) -> Lifecycle:
    """Back to the state the action was asked from."""
    pending = s.pending or {}
    from_state = pending.get("from_state")
    return replace(s, vm_state=VmState(from_state) if from_state else s.vm_state,
                   image=pending.get("replaced_image", s.image), task_state=None, pending=None,
                   fault=Fault(reason))


def power_observed(s: Lifecycle, power_state: PowerState, vm_state: VmState) -> Lifecycle:
    return replace(s, power_state=power_state, vm_state=vm_state)


def state_reset(s: Lifecycle, vm_state: VmState) -> Lifecycle:
    """An administrator's os-resetState: the state they say, nothing in progress (an action the
    worker still finishes later no longer matches and is ignored)."""
    return replace(s, vm_state=vm_state, task_state=None, pending=None)


def delete_requested(s: Lifecycle) -> Lifecycle:
    return replace(s, task_state=TaskState.DELETING)


def deleted(s: Lifecycle) -> Lifecycle:
    return replace(s, vm_state=VmState.DELETED, task_state=None, power_state=PowerState.NOSTATE)
