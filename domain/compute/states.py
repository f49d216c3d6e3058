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
    RESCUED = "rescued"
    SHELVED = "shelved"
    SHELVED_OFFLOADED = "shelved_offloaded"
    SOFT_DELETED = "soft-delete"  # Nova's spelling: deleted, but restorable until reclaimed
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
    MIGRATING = "migrating"  # a live migration
    REBUILDING = "rebuilding"
    IMAGE_SNAPSHOT = "image_snapshot"
    IMAGE_BACKUP = "image_backup"
    RESCUING = "rescuing"
    UNRESCUING = "unrescuing"
    SHELVING = "shelving"
    SHELVING_OFFLOADING = "shelving_offloading"
    UNSHELVING = "unshelving"
    DELETING = "deleting"
    SOFT_DELETING = "soft-deleting"
    RESTORING = "restoring"


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
    # os-migrateLive: the guest moves running (or paused) and stays as it was.
    "live_migrate": _t({A, P}, TaskState.MIGRATING, None, None),
    # Rebuilt on another host from its image, its own host being down (Nova's evacuate).
    "evacuate": _t({A, S, E}, TaskState.REBUILDING, A, PowerState.RUNNING),
    # createImage: the guest is paused for the copy, if it runs, and left as it was.
    "snapshot": _t({A, S, P, U}, TaskState.IMAGE_SNAPSHOT, None, None),
    "backup": _t({A, S, P, U}, TaskState.IMAGE_BACKUP, None, None),  # createBackup: the same
    "rescue": _t({A, S, E}, TaskState.RESCUING, VmState.RESCUED, PowerState.RUNNING),
    "unrescue": _t({VmState.RESCUED}, TaskState.UNRESCUING, A, PowerState.RUNNING),
    # Shelving offloads at once (Nova's shelved_offload_time 0, devstack's default): the guest
    # goes, with the host's claim; unshelving schedules the server anew.
    "shelve": _t({A, S, P, U}, TaskState.SHELVING, VmState.SHELVED_OFFLOADED,
                 PowerState.NOSTATE),
    "shelve_offload": _t({VmState.SHELVED}, TaskState.SHELVING_OFFLOADING,
                         VmState.SHELVED_OFFLOADED, PowerState.NOSTATE),
    "unshelve": _t({VmState.SHELVED, VmState.SHELVED_OFFLOADED}, TaskState.UNSHELVING, A,
                   PowerState.RUNNING),
    # A delete deferred by reclaim_instance_interval: the guest is powered off and kept, with
    # the server's claims, until restored (powered on: ACTIVE), force-deleted or reclaimed.
    # As Nova's soft_delete, from any resting state of a server on a host (an ERROR one's
    # guest may be gone: nothing to power off; a rescued one comes back from its own disk);
    # a RESIZED one is confirmed first (domain/services/compute/deletion.py).
    "soft_delete": _t({A, S, P, U, E, VmState.RESCUED}, TaskState.SOFT_DELETING,
                      VmState.SOFT_DELETED, PowerState.SHUTDOWN),
    "restore": _t({VmState.SOFT_DELETED}, TaskState.RESTORING, A, PowerState.RUNNING),
}


def settled(action: str, origin: VmState) -> tuple[VmState | None, PowerState | None]:
    """Where a successful action leaves the server: its transition's target, except that Nova
    keeps a stopped server stopped through a rebuild, a resize and its confirm or revert (its
    compute manager powers the new guest off again). `origin`: the state the action was asked
    from, or for a confirm or revert, the one the resize was."""
    transition = TRANSITIONS[action]
    if origin is VmState.STOPPED and action in STAYS_STOPPED:
        return STAYS_STOPPED[action], PowerState.SHUTDOWN
    return transition.target, transition.power


STAYS_STOPPED = {"rebuild": VmState.STOPPED, "evacuate": VmState.STOPPED,
                 "resize": VmState.RESIZED,
                 "confirm_resize": VmState.STOPPED, "revert_resize": VmState.STOPPED}


# Nova's API status for each vm_state (nova/api/openstack/common.py _STATE_MAP): the state's
# default, or the task's own status while that task runs.
_REBUILD = {TaskState.REBUILDING: "REBUILD"}
_RESIZE = {TaskState.RESIZE_MIGRATING: "RESIZE"}
_MIGRATING = {TaskState.MIGRATING: "MIGRATING"}
STATUSES: dict[VmState, tuple[str, dict[TaskState, str]]] = {
    VmState.BUILDING: ("BUILD", {}),
    VmState.ACTIVE: ("ACTIVE", {TaskState.REBOOTING: "REBOOT",
                                TaskState.REBOOTING_HARD: "HARD_REBOOT", **_REBUILD, **_RESIZE,
                                **_MIGRATING}),
    VmState.STOPPED: ("SHUTOFF", {**_RESIZE, **_REBUILD}),
    VmState.RESIZED: ("VERIFY_RESIZE", {TaskState.RESIZE_REVERTING: "REVERT_RESIZE"}),
    VmState.PAUSED: ("PAUSED", {**_MIGRATING}),
    VmState.SUSPENDED: ("SUSPENDED", {}),
    VmState.ERROR: ("ERROR", {**_REBUILD}),
    VmState.RESCUED: ("RESCUE", {}),
    VmState.SHELVED: ("SHELVED", {}),
    VmState.SHELVED_OFFLOADED: ("SHELVED_OFFLOADED", {}),
    VmState.SOFT_DELETED: ("SOFT_DELETED", {}),
    VmState.DELETED: ("DELETED", {}),
}


def api_status(vm_state: VmState, task_state: TaskState | None) -> str:
    """Nova's API status, from vm_state and task_state."""
    default, during = STATUSES[vm_state]
    return during.get(task_state, default) if task_state else default
