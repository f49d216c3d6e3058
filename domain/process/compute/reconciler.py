"""The reconciler: what this host's hypervisor really holds, against what the events say.

Two kinds of drift, each recorded as an event:
- power: a guest of an instance at rest on this host (no task in progress) is not in the state
  its vm_state says, e.g. it died: `Instance.PowerStateObserved` (ACTIVE -> STOPPED), as Nova's
  power-state sync does. Instances with a task in progress are skipped: the worker is changing
  their guest, so any difference is expected, not drift.
- strays: a guest that no instance claimed on this host explains (the instance was deleted while
  the host was down, or lives elsewhere now): `HostDrift.StrayGuestObserved`, then destroyed. A
  guest whose uuid names no instance at all is only reported unless `destroy_unknown`: it may
  belong to someone else sharing the hypervisor (Nova leaves such domains alone too).

Runs in the worker's own thread, after the worker has caught up, so no action of this worker is
ever half done while it looks; and whatever looks wrong is looked at again after catching up once
more, so an event that lands meanwhile (the other end of a move reporting) is acted on by the
worker before it could be mistaken for drift. The instances "on this host" are the claims on the
host's ComputeNode ledger: every instance holding resources here, including both ends of a resize.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from domain.app import SkyLedger
from domain.compute.backends import GuestState, Hypervisor
from domain.compute.instance import Instance
from domain.compute.node import ComputeNode, node_id
from domain.compute.states import PowerState, VmState
from domain.context import RequestContext, new_request_id
from domain.process.compute.drift import DriftService
from domain.process.compute.plans import hosts_of
from domain.process.effects import recording
from domain.process.host_changes import HostChanges
from domain.services.compute.outcomes import OutcomeService

log = logging.getLogger(__name__)

POWER_OF = {GuestState.RUNNING: PowerState.RUNNING, GuestState.PAUSED: PowerState.PAUSED,
            GuestState.SUSPENDED: PowerState.SUSPENDED, GuestState.SHUTOFF: PowerState.SHUTDOWN,
            GuestState.CRASHED: PowerState.CRASHED, GuestState.MISSING: PowerState.NOSTATE}
DOWN = frozenset({GuestState.SHUTOFF, GuestState.CRASHED, GuestState.MISSING})
RESTING = frozenset({VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED})


def power_drift(vm_state: VmState, guest: GuestState) -> tuple[PowerState, VmState] | None:
    """What to record when the guest is not where vm_state says, or None if it is (or if the
    difference is not ours to judge: BUILDING, RESIZED, ERROR, or an UNKNOWN guest state)."""
    if guest is GuestState.UNKNOWN:
        return None
    if vm_state in RESTING and guest in DOWN:
        return POWER_OF[guest], VmState.STOPPED  # it died: a start brings it back
    if vm_state is VmState.ACTIVE and guest in (GuestState.PAUSED, GuestState.SUSPENDED):
        return POWER_OF[guest], VmState(guest.value)
    if vm_state in (VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED) and \
            guest is GuestState.RUNNING:
        return PowerState.RUNNING, VmState.ACTIVE  # someone started it behind our back
    return None


@dataclass(frozen=True)
class Reconciled:
    on_host: frozenset[UUID]  # instances whose host is this one
    observed: tuple[UUID, ...]  # power drift recorded
    strays: tuple[UUID, ...]  # stray guests found


@dataclass(frozen=True)
class Look:
    """What one look at the hypervisor and the events finds wrong."""

    hosted: dict[UUID, Instance]  # live instances whose host is this one
    power: dict[UUID, tuple[PowerState, VmState]]  # hosted instances whose guest drifted
    strays: dict[UUID, GuestState]  # guests no claim on this host explains


class Reconciler:
    def __init__(self, app: SkyLedger, hypervisor: Hypervisor, outcomes: OutcomeService,
                 drift: DriftService, host: str, catch_up: Callable[[], object],
                 destroy_unknown: bool = False,
                 on_destroyed: Callable[[UUID], None] | None = None) -> None:
        self.app, self.hypervisor, self.outcomes, self.drift = app, hypervisor, outcomes, drift
        self.host, self.catch_up, self.destroy_unknown = host, catch_up, destroy_unknown
        self.on_destroyed = on_destroyed or (lambda _id: None)
        self.changes = HostChanges(app)  # what a repair changed, recorded after it
        self.passes = 0  # completed passes, for status and for tests to wait on

    def run(self) -> Reconciled:
        first = self.look()
        power, strays = first.power, first.strays
        if power or strays:
            # A second look after catching up again: an event committed since the first look
            # may explain what it saw, and the worker acts on it first (a move that just
            # finished or failed on the other host, a revert that took the instance back).
            # Only what both looks see is drift.
            second = self.look()
            power = {i: d for i, d in second.power.items() if first.power.get(i) == d}
            strays = {i: g for i, g in second.strays.items() if i in first.strays}
        ctx = RequestContext(user_id=f"compute:{self.host}", request_id=new_request_id())
        for instance_id, (power_state, vm_state) in power.items():
            log.warning("host %s: the guest of instance %s drifted: recording %s", self.host,
                        instance_id, vm_state.value)
            # The command re-checks "no task in progress" on fresh state, atomically.
            self.outcomes.power_observed(ctx, instance_id, int(power_state), vm_state.value)
        for instance_id, state in strays.items():
            self.settle(ctx, instance_id, state)
        self.passes += 1
        return Reconciled(frozenset(first.hosted), tuple(power), tuple(strays))

    def look(self) -> Look:
        self.catch_up()  # nothing this worker does is half done while we look
        guests = self.hypervisor.list_guests()
        claimed = self.claimed()
        loaded = {i: self.outcomes.load(i) for i in sorted(claimed)}
        hosted = {i: inst for i, inst in loaded.items() if inst and inst.host == self.host}
        power: dict[UUID, tuple[PowerState, VmState]] = {}
        for instance_id, instance in hosted.items():
            drift = power_drift(instance.vm_state, guests.get(instance_id, GuestState.MISSING))
            if drift is not None and instance.task_state is None:
                power[instance_id] = drift
        strays = {i: state for i, state in guests.items() if i not in claimed}
        return Look(hosted, power, strays)

    def claimed(self) -> set[UUID]:
        node = self.app.find(node_id(self.host))
        if not isinstance(node, ComputeNode):
            return set()
        return {UUID(key.split(":")[0]) for key in node.claims}  # "<hex>:resize" too

    def settle(self, ctx: RequestContext, instance_id: UUID, state: GuestState) -> None:
        instance = self.app.find(instance_id)
        if not isinstance(instance, Instance):
            reason = "no instance has this id"
            resolution = "destroyed" if self.destroy_unknown else "left"
        elif not instance.deleted and self.host in hosts_of(instance):
            return  # explained after all (its claim was not visible yet)
        else:
            resolution = "destroyed"
            reason = ("the instance was deleted" if instance.deleted
                      else f"the instance is on host {instance.host or '(none)'}")
        log.warning("host %s: stray guest %s (%s): %s; %s", self.host, instance_id, state.value,
                    reason, resolution)
        # Recorded first, then destroyed: a crash in between leaves a record and a guest that
        # the next cycle destroys (the record is kept once per instance id).
        self.drift.stray_guest(ctx, self.host, instance_id, state.value, reason, resolution)
        if resolution == "destroyed":
            with recording(ctx) as traced:
                self.hypervisor.destroy(instance_id)
                if traced.effects:
                    self.changes.applied(traced, self.host,
                                         f"stray {instance_id.hex} {ctx.request_id}")
            self.on_destroyed(instance_id)
