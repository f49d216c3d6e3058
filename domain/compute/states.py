"""Nova's instance states: vm_state (stable), task_state (in progress), power_state (observed),
and which actions each vm_state allows. A command outside these sets is Nova's 409."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class VmState(str, enum.Enum):
    BUILDING = "building"
    ACTIVE = "active"
    STOPPED = "stopped"
    PAUSED = "paused"
    SUSPENDED = "suspended"
    RESIZED = "resized"
    ERROR = "error"
    DELETED = "deleted"


class TaskState(str, enum.Enum):
    SCHEDULING = "scheduling"
    SPAWNING = "spawning"
    POWERING_OFF = "powering-off"
    POWERING_ON = "powering-on"
    REBOOTING = "rebooting"
    REBOOTING_HARD = "rebooting_hard"
    PAUSING = "pausing"
    UNPAUSING = "unpausing"
    SUSPENDING = "suspending"
    RESUMING = "resuming"
    RESIZE_MIGRATING = "resize_migrating"
    RESIZE_CONFIRMING = "resize_confirming"
    RESIZE_REVERTING = "resize_reverting"
    REBUILDING = "rebuilding"
    IMAGE_SNAPSHOT = "image_snapshot"
    DELETING = "deleting"


class PowerState(int, enum.Enum):
    NOSTATE = 0
    RUNNING = 1
    PAUSED = 3
    SHUTDOWN = 4
    CRASHED = 6
    SUSPENDED = 7


@dataclass(frozen=True)
class Transition:
    """An action the worker carries out: allowed from `sources`, shown as `task` meanwhile,
    landing in `target` with `power` when the hypervisor confirms it (None: as they were)."""

    sources: frozenset[VmState]
    task: TaskState
    target: VmState | None
    power: PowerState | None


def _t(sources: set[VmState], task: TaskState, target: VmState | None,
       power: PowerState | None) -> Transition:
    return Transition(frozenset(sources), task, target, power)


A, S, P, U, E = VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED, VmState.ERROR

# Nova's @check_instance_state sets for each server action.
TRANSITIONS: dict[str, Transition] = {
    "stop": _t({A, E}, TaskState.POWERING_OFF, S, PowerState.SHUTDOWN),
    "start": _t({S}, TaskState.POWERING_ON, A, PowerState.RUNNING),
    "reboot": _t({A}, TaskState.REBOOTING, A, PowerState.RUNNING),
    "reboot_hard": _t({A, S, P, U, E}, TaskState.REBOOTING_HARD, A, PowerState.RUNNING),
    "pause": _t({A}, TaskState.PAUSING, P, PowerState.PAUSED),
    "unpause": _t({P}, TaskState.UNPAUSING, A, PowerState.RUNNING),
    "suspend": _t({A}, TaskState.SUSPENDING, U, PowerState.SUSPENDED),
    "resume": _t({U}, TaskState.RESUMING, A, PowerState.RUNNING),
    "rebuild": _t({A, S, E}, TaskState.REBUILDING, A, PowerState.RUNNING),
    "resize": _t({A, S}, TaskState.RESIZE_MIGRATING, VmState.RESIZED, PowerState.RUNNING),
    "confirm_resize": _t({VmState.RESIZED}, TaskState.RESIZE_CONFIRMING, A, PowerState.RUNNING),
    "revert_resize": _t({VmState.RESIZED}, TaskState.RESIZE_REVERTING, A, PowerState.RUNNING),
    # createImage: the guest is paused for the copy, if it runs, and left as it was.
    "snapshot": _t({A, S, P, U}, TaskState.IMAGE_SNAPSHOT, None, None),
}


def api_status(vm_state: VmState, task_state: TaskState | None) -> str:
    """Nova's API status, from vm_state and task_state."""
    if vm_state is VmState.BUILDING:
        return "BUILD"
    if vm_state is VmState.ACTIVE:
        special = {TaskState.REBOOTING: "REBOOT", TaskState.REBOOTING_HARD: "HARD_REBOOT",
                   TaskState.REBUILDING: "REBUILD", TaskState.RESIZE_MIGRATING: "RESIZE",
                   TaskState.RESIZE_REVERTING: "REVERT_RESIZE", TaskState.DELETING: "ACTIVE"}
        return special.get(task_state, "ACTIVE") if task_state else "ACTIVE"
    if vm_state is VmState.STOPPED and task_state is TaskState.RESIZE_MIGRATING:
        return "RESIZE"
    if vm_state is VmState.RESIZED and task_state is TaskState.RESIZE_REVERTING:
        return "REVERT_RESIZE"
    return {VmState.STOPPED: "SHUTOFF", VmState.PAUSED: "PAUSED", VmState.SUSPENDED: "SUSPENDED",
            VmState.RESIZED: "VERIFY_RESIZE", VmState.ERROR: "ERROR",
            VmState.DELETED: "DELETED"}[vm_state]
