"""Carrying out a plan: hypervisor steps through the backend, then the outcome as an event.

The outcome is recorded through OutcomeService, whose every report is idempotent, with a request
context that continues the request that asked for the action: its request id, and the user
`compute:<host>`. So `skyledger audit --request-id` shows the request, the events it caused and
what the host reported back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from uuid import UUID

from domain.backends import StoredBlob
from domain.compute.backends import (
    GuestSpec,
    GuestState,
    Hypervisor,
    HypervisorError,
    MigrationAborted,
    MigrationTarget,
)
from domain.compute.copies import ImageCopy
from domain.compute.instance import Instance
from domain.compute.instance_live_control import ABORT, FORCE_COMPLETE
from domain.compute.states import TaskState
from domain.context import RequestContext
from domain.process.compute.plans import (
    Destroy,
    LiveMigrate,
    Outcome,
    Plan,
    Power,
    PrepareIncoming,
    Refuse,
    Reimage,
    Rescue,
    Snapshot,
    Spawn,
    Step,
    SyncNics,
    Unrescue,
)
from domain.process.compute.specs import SpawnRefused
from domain.services.compute.outcomes import OutcomeService

log = logging.getLogger(__name__)

SpecFor = Callable[[Instance, Spawn], GuestSpec]
# Copies an instance's root disk into the image store (domain.process.compute.image_capture).
TakeSnapshot = Callable[[UUID], StoredBlob]


def _no_snapshots(instance_id: UUID) -> StoredBlob:
    raise HypervisorError("this worker cannot take snapshots")


def _no_reimage(instance: Instance, image: ImageCopy) -> str:
    raise SpawnRefused("this worker cannot write images over root volumes")


class Executor:
    def __init__(self, hypervisor: Hypervisor, outcomes: OutcomeService, spec_for: SpecFor,
                 host: str, stop_timeout: float = 5.0,
                 on_changed: Callable[[UUID, bool], None] | None = None,
                 take_snapshot: TakeSnapshot = _no_snapshots,
                 discard_root: Callable[[Instance], None] | None = None,
                 reimage_root: Callable[[Instance, ImageCopy], str] | None = None,
                 incoming: MigrationTarget | None = None) -> None:
        """`discard_root`: after a failed spawn's undo, deletes the root volume it made here
        (domain/process/compute/root_volumes.py), before the failure is recorded;
        `reimage_root`: writes an image over the root volume, answering its path (Reimage);
        `incoming`: how a live migration's source reaches this host (None: it takes none)."""
        self.incoming = incoming
        self.hypervisor, self.outcomes, self.spec_for = hypervisor, outcomes, spec_for
        self.discard_root = discard_root or (lambda _instance: None)
        self.reimage_root = reimage_root or _no_reimage
        self.take_snapshot = take_snapshot
        self.host, self.stop_timeout = host, stop_timeout
        # Told (instance id, guest now exists?) after each step, to keep console rows in step.
        self.on_changed = on_changed or (lambda _id, _exists: None)
        # The root volume a spawn made its guest's root disk, reported with the spawn's outcome.
        self.root_paths: dict[UUID, str] = {}
        # Told (action, seconds) after each plan, for the worker action latency metric.
        self.on_timed: Callable[[str, float], None] = lambda _action, _seconds: None

    def execute(self, plan: Plan, instance: Instance, ctx: RequestContext) -> None:
        started = time.monotonic()
        try:
            self.carry_out(plan, instance, ctx)
        finally:
            what = plan.action or (plan.outcome.value if plan.outcome else "clean-up")
            self.on_timed(str(what), time.monotonic() - started)

    def carry_out(self, plan: Plan, instance: Instance, ctx: RequestContext) -> None:
        blob = None  # what a snapshot step stored, for its outcome to record
        try:
            for step in plan.steps:
                if isinstance(step, Snapshot):
                    blob = self.take_snapshot(instance.id)
                else:
                    self.run(step, instance)
        except (HypervisorError, SpawnRefused) as error:
            self.failed(plan, instance, ctx, str(error) or type(error).__name__)
            return
        self.succeeded(plan, instance.id, ctx, blob)

    def run(self, step: Step, instance: Instance) -> None:
        hv, instance_id = self.hypervisor, instance.id
        if isinstance(step, Snapshot):
            return  # not an undo step: taken by execute
        if isinstance(step, Destroy):
            hv.destroy(instance_id)
            self.on_changed(instance_id, False)
        elif isinstance(step, Rescue):
            hv.rescue(self.spec_for(instance, step.rescue))
            self.on_changed(instance_id, True)
        elif isinstance(step, Unrescue):
            hv.unrescue(self.spec_for(instance, step.original))
            self.on_changed(instance_id, True)
        elif isinstance(step, Reimage):
            self.root_paths[instance_id] = self.reimage_root(instance, step.image)
        elif isinstance(step, PrepareIncoming):
            if self.incoming is None:
                raise HypervisorError(f"host {self.host} takes no live migrations (its "
                                      "worker has no SKYLEDGER_LIVE_MIGRATION_URI)")
            hv.prepare_incoming(self.spec_for(instance, Spawn(instance.flavor, instance.image)))
        elif isinstance(step, LiveMigrate):
            target = step.target
            hv.live_migrate(instance_id, MigrationTarget(
                target["hypervisor_uri"], target["migrate_uri"], Path(target["state_dir"]),
                bool(target["copy_disks"])), lambda: self.live_control(instance_id))
            self.on_changed(instance_id, False)
        elif isinstance(step, Refuse):
            raise MigrationAborted(step.reason)
        elif isinstance(step, SyncNics):
            hv.sync_nics(self.spec_for(instance, Spawn(instance.flavor, instance.image)))
        elif isinstance(step, Spawn):
            spec = self.spec_for(instance, step)
            hv.spawn(spec)
            if spec.root_volume is not None:
                self.root_paths[instance_id] = str(spec.root_volume.path)
            self.on_changed(instance_id, True)
        elif step.respawn is not None and hv.state(instance_id) is GuestState.MISSING:
            hv.spawn(self.spec_for(instance, step.respawn))
            self.on_changed(instance_id, True)
        elif step.gone_ok and hv.state(instance_id) is GuestState.MISSING:
            return  # nothing left to power off
        else:
            self.power(step, instance_id)

    def live_control(self, instance_id: UUID) -> str | None:
        """What the API asked of the live migration in progress (instance_live_control.py),
        read from the event store: an abort wins over a force-complete. A delete asked for
        meanwhile aborts it too: Nova's delete destroys the guest under the move, failing it;
        here the move stops first, then the delete's own trigger destroys the guest."""
        found = self.outcomes.load(instance_id)
        if found is None or found.task_state is TaskState.DELETING:
            return ABORT
        pending = found.pending or {}
        return next((c for c in (ABORT, FORCE_COMPLETE) if pending.get(c)), None)

    def power(self, step: Power, instance_id: UUID) -> None:
        hv, action = self.hypervisor, step.action
        if action == "stop":
            hv.stop(instance_id, self.stop_timeout)
        elif action in ("reboot", "reboot_hard"):
            hv.reboot(instance_id, hard=action == "reboot_hard")
        else:  # start, pause, unpause, suspend, resume: the port's method of that name
            getattr(hv, action)(instance_id)
        if action in ("start", "reboot", "reboot_hard"):
            self.on_changed(instance_id, True)  # a new boot: its console output is news

    def succeeded(self, plan: Plan, instance_id: UUID, ctx: RequestContext,
                  blob: StoredBlob | None = None) -> None:
        if plan.outcome is Outcome.SPAWN:
            self.outcomes.spawned(ctx, instance_id, self.host,
                                  self.root_paths.pop(instance_id, None))
        elif plan.outcome is Outcome.ACTION:
            self.outcomes.action_succeeded(ctx, instance_id, str(plan.action), blob,
                                           self.root_paths.pop(instance_id, None))
        elif plan.outcome is Outcome.DELETE:
            self.outcomes.deleted(ctx, instance_id)
        elif plan.outcome is Outcome.CLEANED:
            self.outcomes.evacuation_cleaned_up(ctx, instance_id, self.host)
        elif plan.outcome is Outcome.PREPARED and self.incoming is not None:
            self.outcomes.migration_prepared(ctx, instance_id, self.prepared_target(instance_id))

    def prepared_target(self, instance_id: UUID) -> dict[str, object]:
        """This host as the source reaches it, with the disks copied unless the request said
        they are shared (block_migration false)."""
        assert self.incoming is not None
        found = self.outcomes.load(instance_id)
        copy = bool(((found.pending if found else None) or {}).get("block_migration", True))
        return {**asdict(self.incoming), "state_dir": str(self.incoming.state_dir),
                "copy_disks": copy}

    def failed(self, plan: Plan, instance: Instance, ctx: RequestContext, reason: str) -> None:
        if plan.outcome in (None, Outcome.CLEANED):  # tried again on the next event
            log.warning("host %s: clean-up of instance %s failed: %s", self.host, instance.id,
                        reason)
            return
        if plan.outcome is Outcome.DELETE:
            raise HypervisorError(f"could not destroy the guest of {instance.id}: {reason}")
        undone = self.undo(plan, instance)
        self.root_paths.pop(instance.id, None)
        if plan.outcome is Outcome.SPAWN and undone:  # never from under a guest holding it
            self.discard_root(instance)
        log.info("host %s: %s of instance %s failed: %s", self.host,
                 plan.action or plan.outcome.value, instance.id, reason)
        if plan.outcome is Outcome.SPAWN:
            self.outcomes.spawn_failed(ctx, instance.id, self.host, reason)
        else:
            self.outcomes.action_failed(ctx, instance.id, str(plan.action), reason)

    def undo(self, plan: Plan, instance: Instance) -> bool:
        """Best effort: a failing undo must not keep the failure from being recorded. Returns
        whether every undo step was done."""
        for step in plan.undo:
            try:
                self.run(step, instance)
            except (HypervisorError, SpawnRefused) as error:
                log.warning("host %s: undo %s of %s failed: %s", self.host,
                            type(step).__name__, instance.id, error)
                return False
        return True

