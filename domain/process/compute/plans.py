"""What one host's worker must do for one instance, decided from the instance's current state.

`decide` is pure: no I/O, so every branch is a unit test. A `Plan` is a list of hypervisor steps,
the outcome to record when they succeed (or fail), and best-effort steps to undo a half-done
change before a failure is recorded. Plans without an outcome are clean-ups: their errors are
logged, never recorded, because some other host or request owns the instance's state.

Every step is idempotent and keyed by the instance uuid, so running a plan twice (a replay after
a crash) ends where running it once does.

Resizes are cold: the host that will lose the guest powers it off when the move is requested,
the host that gains it spawns it and reports, and the loser destroys its copy once the move has
succeeded (or starts it again if the move failed).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from domain.compute.copies import FlavorCopy, ImageCopy
from domain.compute.instance import Instance
from domain.compute.instance_live_control import ABORT, ABORTED
from domain.compute.states import TaskState, VmState
from domain.process.compute.triggers import Kind, Trigger

SIMPLE_ACTIONS = frozenset({"stop", "start", "reboot", "reboot_hard", "pause", "unpause",
                            "suspend", "resume"})
# Where a guest exists for os-interface to plug into (Nova's attach_interface states).
NIC_STATES = frozenset({VmState.ACTIVE, VmState.PAUSED, VmState.STOPPED})
# Nova's libvirt driver powers on and hard-reboots by re-creating the guest from the record,
# so both bring back a guest whose domain was lost.
RESPAWNING_ACTIONS = frozenset({"start", "reboot_hard"})


@dataclass(frozen=True)
class Spawn:
    flavor: FlavorCopy
    image: ImageCopy
    # A rescue guest's: it boots from `image` even when the server is volume-backed, whose
    # root volume it then keeps as its second disk (Nova's 2.87).
    rescue: bool = False


@dataclass(frozen=True)
class Destroy:
    pass


@dataclass(frozen=True)
class Snapshot:
    image_id: str  # the queued image its root disk goes into


@dataclass(frozen=True)
class Power:
    action: str  # one of SIMPLE_ACTIONS
    respawn: Spawn | None = None  # used instead when the guest is missing
    gone_ok: bool = False  # a missing guest is already off (Nova's power-off finds none: done)


@dataclass(frozen=True)
class Rescue:
    """Boot the guest from `rescue` (a spawn of the rescue image), its own root disk kept
    beside it as a second disk."""

    rescue: Spawn


@dataclass(frozen=True)
class Unrescue:
    """Drop the rescue guest and its rescue disk, and run the guest `original` again."""

    original: Spawn


@dataclass(frozen=True)
class Reimage:
    """Write `image` over the guest's root volume (a volume-backed rebuild from 2.93)."""

    image: ImageCopy


@dataclass(frozen=True)
class SyncNics:
    """Give the running or stopped guest exactly the NICs of the instance's ports."""


@dataclass(frozen=True)
class PrepareIncoming:
    """A live migration's destination: make the disks the guest's copies land in."""


@dataclass(frozen=True)
class LiveMigrate:
    """Move the running guest to the destination `target` (a MigrationTarget's fields)."""

    target: dict[str, Any]


@dataclass(frozen=True)
class Refuse:
    """Fail the plan with `reason`, doing nothing (a live migration aborted before it began)."""

    reason: str


Step = Spawn | Destroy | Power | Snapshot | Rescue | Unrescue | SyncNics | Reimage \
    | PrepareIncoming | LiveMigrate | Refuse
DESTROY = Destroy()


class Outcome(enum.Enum):
    SPAWN = "spawn"  # spawned / spawn_failed (which reschedules)
    ACTION = "action"  # action_succeeded / action_failed
    DELETE = "delete"  # deleted (a failure is retried, never recorded)
    PREPARED = "prepared"  # a live migration's destination ready / action_failed
    CLEANED = "cleaned"  # an evacuated-from host destroyed its guest (evacuation_cleaned_up)


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...] = ()
    outcome: Outcome | None = None
    action: str | None = None
    undo: tuple[Step, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.steps and self.outcome is None


NOTHING = Plan()


def hosts_of(instance: Instance) -> set[str]:
    """Every host that holds, or is about to hold, a guest of this instance."""
    hosts = {instance.host, (instance.pending or {}).get("host"),
             (instance.resize_from or {}).get("host")}
    return {h for h in hosts if h}


def decide(trigger: Trigger, instance: Instance | None, me: str) -> Plan:
    if instance is None:
        return NOTHING
    if me in instance.evacuated_from() and me != instance.host:
        # Rebuilt elsewhere while this host was down: its guest goes, then its claim.
        return Plan((DESTROY,), Outcome.CLEANED)
    if trigger.kind is Kind.DELETE:
        return _delete(instance, me)
    if instance.deleted or instance.task_state is TaskState.DELETING:
        # A delete's own trigger does the work; a guest left by a delete made while this host
        # was down is drift, for the reconciler to find and record.
        return NOTHING
    if me not in hosts_of(instance):
        return _left(trigger, me)
    if trigger.kind is Kind.CLAIMED:
        return _spawn(instance, me)
    if trigger.kind is Kind.ACTION:
        return _action(instance, me)
    if trigger.kind is Kind.NICS:
        return _nics(instance, me)
    if trigger.kind is Kind.PREPARED:
        return _live_migrate(instance, me)
    return _after_move(trigger, instance, me)


def _delete(instance: Instance, me: str) -> Plan:
    if me not in hosts_of(instance):
        return NOTHING
    if instance.deleted:
        return Plan((DESTROY,))  # another host reported the delete; our copy goes too
    if instance.task_state is not TaskState.DELETING:
        return NOTHING
    return Plan((DESTROY,), Outcome.DELETE if instance.host == me else None)


def _left(trigger: Trigger, me: str) -> Plan:
    """The instance no longer concerns this host: make sure no guest of it stays here (after a
    failed spawn that rescheduled, a finished resize or revert)."""
    if (trigger.kind is Kind.CLAIMED and trigger.host == me) or \
            trigger.kind in (Kind.SUCCEEDED, Kind.FAILED):
        return Plan((DESTROY,))
    return NOTHING


def _spawn(instance: Instance, me: str) -> Plan:
    if instance.host != me or instance.task_state is not TaskState.SPAWNING:
        return NOTHING  # already spawned (a replay), or moved on
    return Plan((Spawn(instance.flavor, instance.image),), Outcome.SPAWN, undo=(DESTROY,))


def _action(instance: Instance, me: str) -> Plan:
    pending = instance.pending
    if not pending or instance.task_state is None:
        return NOTHING  # done already: this is a replay
    action = pending["action"]
    if action in SIMPLE_ACTIONS:
        return _power(instance, action) if instance.host == me else NOTHING
    if action == "rebuild":
        return _rebuild(instance, pending) if instance.host == me else NOTHING
    if action in ("snapshot", "backup"):
        step = Snapshot(pending["image_id"])
        return Plan((step,), Outcome.ACTION, action) if instance.host == me else NOTHING
    if action in OWN_HOST_ACTIONS:
        return OWN_HOST_ACTIONS[action](instance, pending) if instance.host == me else NOTHING
    if action == "unshelve":
        return _unshelve(instance, pending, me)
    if action == "live_migrate":  # the destination prepares first; its report moves the guest
        return Plan((PrepareIncoming(),), Outcome.PREPARED, "live_migrate", undo=(DESTROY,)) \
            if me == pending.get("host") and "target" not in pending else NOTHING
    if action == "evacuate":  # only the new host acts: the old one is down
        return _evacuate(instance, pending) if me == pending.get("host") else NOTHING
    if action == "resize":
        return _resize(instance, pending, me)
    if action == "confirm_resize":
        return _confirm(instance, me)
    if action == "revert_resize":
        return _revert(instance, me)
    return NOTHING


def _nics(instance: Instance, me: str) -> Plan:
    """os-interface: only between actions (attach and detach are refused during one), on the
    guest's own host; a guest still being built gets its NICs from its spawn. A failure is
    logged: the port stays attached, and the next spawn of the guest plugs it."""
    if instance.host != me or instance.task_state is not None or \
            instance.vm_state not in NIC_STATES:
        return NOTHING
    return Plan((SyncNics(),))


def _power(instance: Instance, action: str) -> Plan:
    respawn = Spawn(instance.flavor, instance.image) if action in RESPAWNING_ACTIONS else None
    return Plan((Power(action, respawn),), Outcome.ACTION, action)


def _restore(spawn: Spawn, from_state: str) -> tuple[Step, ...]:
    """Undo of a destroy-and-spawn: bring the previous guest back if it was running."""
    return (DESTROY, spawn) if from_state == VmState.ACTIVE.value else (DESTROY,)


def _off_again(origin: str | None) -> tuple[Step, ...]:
    """A stopped server is rebuilt, resized or reverted stopped, as Nova does: the new guest is
    spawned, then powered off again."""
    return (Power("stop"),) if origin == VmState.STOPPED.value else ()


def _rebuild(instance: Instance, pending: dict[str, Any]) -> Plan:
    """A volume-backed server's root volume is written again first when the rebuild asks it
    (2.93); a failure before the volume is touched brings the old guest back."""
    new = Spawn(instance.flavor, pending.get("image", instance.image))
    old = Spawn(instance.flavor, pending.get("replaced_image", instance.image))
    reimage = (Reimage(new.image),) if pending.get("reimage") else ()
    return Plan((DESTROY, *reimage, new, *_off_again(pending["from_state"])), Outcome.ACTION,
                "rebuild", undo=_restore(old, pending["from_state"]))


def _rescue(instance: Instance, pending: dict[str, Any]) -> Plan:
    own = Spawn(instance.flavor, instance.image)
    rescue = Spawn(instance.flavor, pending.get("rescue_image") or instance.image, rescue=True)
    undo: tuple[Step, ...] = (Unrescue(own),)
    if pending["from_state"] != VmState.ACTIVE.value:
        undo += (Power("stop"),)
    return Plan((Rescue(rescue),), Outcome.ACTION, "rescue", undo=undo)


def _unrescue(instance: Instance, pending: dict[str, Any]) -> Plan:
    return Plan((Unrescue(Spawn(instance.flavor, instance.image)),), Outcome.ACTION,
                "unrescue")


def _shelve(instance: Instance, pending: dict[str, Any]) -> Plan:
    """Power off, copy the root disk into the shelved image (none for a volume-backed server,
    whose root volume stays), and offload: the guest goes."""
    snapshot: tuple[Step, ...] = (Snapshot(pending["image_id"]),) if pending.get("image_id") \
        else ()
    undo: tuple[Step, ...] = ()
    if pending["from_state"] == VmState.ACTIVE.value:
        undo = (Power("start", Spawn(instance.flavor, instance.image)),)
    return Plan((Power("stop"), *snapshot, DESTROY), Outcome.ACTION, "shelve", undo=undo)


def _shelve_offload(instance: Instance, pending: dict[str, Any]) -> Plan:
    return Plan((DESTROY,), Outcome.ACTION, "shelve_offload")


def _soft_delete(instance: Instance, pending: dict[str, Any]) -> Plan:
    """The guest is powered off and kept, for a restore (a stopped one stays as it is, and an
    errored server whose guest is gone has nothing to power off)."""
    return Plan((Power("stop", gone_ok=True),), Outcome.ACTION, "soft_delete")


def _restore_soft_deleted(instance: Instance, pending: dict[str, Any]) -> Plan:
    """Powered on again as Nova's restore does, by re-creating the guest from the record (its
    libvirt driver's power-on is a hard reboot from the instance's own XML): a guest
    soft-deleted in rescue comes back from its own disk, the rescue guest gone, and one lost
    meanwhile is made again."""
    return Plan((Unrescue(Spawn(instance.flavor, instance.image)),), Outcome.ACTION,
                "restore")


OWN_HOST_ACTIONS = {"rescue": _rescue, "unrescue": _unrescue, "shelve": _shelve,
                    "shelve_offload": _shelve_offload, "soft_delete": _soft_delete,
                    "restore": _restore_soft_deleted}


def _unshelve(instance: Instance, pending: dict[str, Any], me: str) -> Plan:
    """The host the unshelve claimed spawns the guest from the shelved image."""
    if me != pending.get("host"):
        return NOTHING
    spawn = Spawn(instance.flavor, pending.get("image") or instance.image)
    return Plan((spawn,), Outcome.ACTION, "unshelve", undo=(DESTROY,))


def _resize(instance: Instance, pending: dict[str, Any], me: str) -> Plan:
    source, dest = instance.host, pending.get("host") or instance.host
    new = Spawn(pending["flavor"], instance.image)
    off = _off_again(pending["from_state"])
    if me == source == dest:
        old = Spawn(instance.flavor, instance.image)
        return Plan((DESTROY, new, *off), Outcome.ACTION, "resize",
                    undo=_restore(old, pending["from_state"]))
    if me == dest:
        return Plan((new, *off), Outcome.ACTION, "resize", undo=(DESTROY,))
    return Plan((Power("stop"),))  # the source of a cold move


def _confirm(instance: Instance, me: str) -> Plan:
    if me == instance.host:
        return Plan((), Outcome.ACTION, "confirm_resize")  # the new flavor already runs here
    return Plan((DESTROY,))  # the source: its copy should be gone already


def _revert(instance: Instance, me: str) -> Plan:
    dest, source = instance.host, (instance.resize_from or {}).get("host")
    old = Spawn(instance.old_flavor or instance.flavor, instance.image)
    off = _off_again((instance.resize_from or {}).get("vm_state"))
    if me == dest == source:
        new = Spawn(instance.flavor, instance.image)
        return Plan((DESTROY, old, *off), Outcome.ACTION, "revert_resize", undo=(DESTROY, new))
    if me == source:
        return Plan((old, *off), Outcome.ACTION, "revert_resize", undo=(DESTROY,))
    return Plan((Power("stop"),))  # the destination gives the guest back: cold again


def _evacuate(instance: Instance, pending: dict[str, Any]) -> Plan:
    """Rebuilt here from its image (Nova's rebuild on the new host); stopped again if it was
    stopped, or asked to be (2.95)."""
    off = (Power("stop"),) if pending.get("from_state") == VmState.STOPPED.value else ()
    return Plan((Spawn(instance.flavor, instance.image), *off), Outcome.ACTION, "evacuate",
                undo=(DESTROY,))


def _live_migrate(instance: Instance, me: str) -> Plan:
    """The source, once the destination is ready. A failure leaves the guest running here;
    the destination then removes what it prepared (`_left`). An abort or force-complete asked
    while the guest moves is read from the instance by the move itself (executor.py)."""
    pending = instance.pending or {}
    if me != instance.host or pending.get("action") != "live_migrate" or \
            "target" not in pending:
        return NOTHING
    if pending.get(ABORT):  # aborted while the destination prepared: the guest stays here
        return Plan((Refuse(ABORTED),), Outcome.ACTION, "live_migrate")
    return Plan((LiveMigrate(pending["target"]),), Outcome.ACTION, "live_migrate")


def _after_move(trigger: Trigger, instance: Instance, me: str) -> Plan:
    if instance.task_state is not None:
        return NOTHING  # a newer request is in flight; its own trigger decides
    if instance.host != me:
        return Plan((DESTROY,))  # the source of a finished move
    if trigger.kind is Kind.FAILED and instance.vm_state in (VmState.ACTIVE, VmState.RESIZED):
        return Plan((Power("start"),))  # the move failed: run the guest stopped for it again
    return NOTHING
