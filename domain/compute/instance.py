"""The Instance aggregate: a server's whole life, from request to deletion, as events. No side
effects here: the host's worker acts on events such as `ActionRequested` and reports back
through `action_succeeded`/`action_failed` (its bases: the instance_*.py modules beside it)."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.compute import lifecycle
from domain.compute.copies import FlavorCopy, ImageCopy, PortCopy
from domain.compute.instance_evacuation import InstanceEvacuation
from domain.compute.instance_live_control import InstanceLiveControl
from domain.compute.instance_usage import InstanceUsage
from domain.compute.instance_volume_flags import InstanceVolumeFlags
from domain.compute.lifecycle import Fault, Lifecycle
from domain.compute.states import TRANSITIONS, PowerState, TaskState, VmState, settled
from domain.errors import InvalidInput, InvalidState

ROOT_DEVICE = "/dev/vda"  # where a volume-backed server's root volume sits


class Instance(InstanceUsage, InstanceVolumeFlags, InstanceLiveControl, InstanceEvacuation):
    class Requested(Entity.Created):
        name: str
        project_id: str
        user_id: str
        flavor: FlavorCopy
        image: ImageCopy
        key_name: str | None
        availability_zone: str | None
        metadata: dict[str, str]
        user_data: str | None
        hints: dict[str, Any]
        server_group_id: str | None
        reservation_id: str
        launch_index: int
        max_attempts: int

    @event(Requested)
    def __init__(
        self,
        *,
        name: str,
        project_id: str,
        user_id: str,
        flavor: FlavorCopy,
        image: ImageCopy,
        key_name: str | None,
        availability_zone: str | None,
        metadata: dict[str, str],
        user_data: str | None,
        hints: dict[str, Any],
        server_group_id: str | None,
        reservation_id: str,
        launch_index: int,
        max_attempts: int,
    ) -> None:
        self.name, self.project_id, self.user_id = name, project_id, user_id
        self.flavor, self.image, self.key_name = flavor, image, key_name
        self.availability_zone, self.metadata, self.hints = availability_zone, metadata, hints
        self.user_data, self.server_group_id = user_data, server_group_id
        self.reservation_id, self.launch_index, self.max_attempts = (
            reservation_id, launch_index, max_attempts)
        start = lifecycle.requested(flavor, image)
        self.vm_state: VmState = start.vm_state
        self.task_state: TaskState | None = start.task_state
        self.power_state: PowerState = start.power_state
        self.host: str | None = start.host
        self.tried_hosts: list[str] = []
        self.fault: dict[str, Any] | None = None
        self.locked = False
        self.locked_reason: str | None = None
        self.locked_by: str | None = None
        self.pending: dict[str, Any] | None = None  # the in-progress action and its parameters
        self.old_flavor: FlavorCopy | None = None
        self.resize_from: dict[str, Any] | None = None
        self.ports: list[PortCopy] = []  # its ports on project networks
        self.volumes: dict[str, str] = {}  # volume id (hex) -> device, from the attach request
        self.shelved_image_id: str | None = None  # the image a shelve filled, for the unshelve
        self.backups: dict[str, list[str]] = {}  # createBackup's: type -> ids, oldest first
        self.launched = False  # spawned once (Nova's launched_at): a soft delete needs it
        self.deleted = False

    # -- the state machine: each step is a pure function of domain/compute/lifecycle.py ------
    def lifecycle(self) -> Lifecycle:
        fault = Fault(self.fault["message"]) if self.fault else None
        return Lifecycle(self.vm_state, self.task_state, self.power_state, self.host, self.flavor,
                         self.image, self.old_flavor, self.resize_from, self.pending, fault)

    def _become(self, after: Lifecycle) -> None:
        self.vm_state, self.task_state, self.power_state = (
            after.vm_state, after.task_state, after.power_state)
        self.host, self.flavor, self.image = after.host, after.flavor, after.image
        self.old_flavor, self.resize_from = after.old_flavor, after.resize_from
        self.pending = after.pending
        self.fault = {"code": 500, "message": after.fault.message} if after.fault else None

    # -- scheduling and spawning -------------------------------------------------------------
    @property
    def attempts(self) -> int:
        return len(self.tried_hosts) + (1 if self.host else 0)

    class PortsAttached(Entity.Event):
        ports: list[PortCopy]

    @event(PortsAttached)
    def attach_ports(self, ports: list[PortCopy]) -> None:
        self.ports = self.ports + ports

    class PortDetached(Entity.Event):
        port_id: str

    @event(PortDetached)
    def detach_port(self, port_id: str) -> None:
        """os-interface's detach: the port is released in the same save."""
        self.ports = [p for p in self.ports if p["id"] != port_id]

    class HostClaimed(Entity.Event):
        host: str

    @event(HostClaimed)
    def claim_host(self, host: str) -> None:
        self._become(lifecycle.host_claimed(self.lifecycle(), host))

    class SchedulingFailed(Entity.Event):
        reason: str

    @event(SchedulingFailed)
    def fail_scheduling(self, reason: str) -> None:
        self._become(lifecycle.scheduling_failed(self.lifecycle(), reason))

    def spawned(self, host: str) -> None:
        if self.host == host and self.task_state is TaskState.SPAWNING:
            self._spawned(host)

    class Spawned(Entity.Event):
        host: str

    @event(Spawned)
    def _spawned(self, host: str) -> None:
        self.launched = True
        self._become(lifecycle.spawned(self.lifecycle()))

    def spawn_failed(self, host: str, reason: str) -> bool:
        """Record the failure; True when the instance may be rescheduled on another host."""
        if self.host != host or self.task_state is not TaskState.SPAWNING:
            return False
        self._spawn_failed(host, reason)
        return self.attempts < self.max_attempts

    class SpawnFailed(Entity.Event):
        host: str
        reason: str

    @event(SpawnFailed)
    def _spawn_failed(self, host: str, reason: str) -> None:
        self.tried_hosts.append(host)
        self._become(lifecycle.spawn_failed(self.lifecycle(), reason))

    class BuildAborted(Entity.Event):
        reason: str

    @event(BuildAborted)
    def abort_build(self, reason: str) -> None:
        self._become(lifecycle.errored(self.lifecycle(), reason))

    # -- actions carried out by the worker ---------------------------------------------------
    def request(self, action: str, is_admin: bool, **params: Any) -> None:
        self.check_can(action, is_admin)
        self._requested(action, self.vm_state.value, params)

    def check_can(self, action: str, is_admin: bool, shown_as: str | None = None) -> None:
        """The 409 an action meets in this state (or on a locked instance), before any claim
        is made for it; `shown_as` names it in the message (Nova's API name)."""
        name = shown_as or action
        self.check_unlocked(is_admin, name)
        transition = TRANSITIONS[action]
        if self.task_state is not None or self.vm_state not in transition.sources:
            raise InvalidState(
                f"Cannot '{name}' instance {self.id} while it is in vm_state "
                f"{self.vm_state.value}"
                + (f" task_state {self.task_state.value}" if self.task_state else "")
            )

    class ActionRequested(Entity.Event):
        action: str
        from_state: str
        params: dict[str, Any]

    @event(ActionRequested)
    def _requested(self, action: str, from_state: str, params: dict[str, Any]) -> None:
        if action == "unshelve" and "availability_zone" in params:  # 2.77: the zone it asked
            self.availability_zone = params["availability_zone"]
        self._become(lifecycle.action_requested(self.lifecycle(), action, from_state, params))

    def action_succeeded(self, action: str, vm_state: str | None = None) -> None:
        """Ignored once a delete was asked for meanwhile: the delete owns the state now (a
        success that cleared its task would leave the worker nothing to delete)."""
        if self.pending and self.pending["action"] == action and \
                self.task_state is not TaskState.DELETING:
            origin = (self.resize_from or {}).get("vm_state") \
                if action in ("confirm_resize", "revert_resize") else None
            target, power = settled(action, VmState(origin or self.pending["from_state"]))
            self._succeeded(action, vm_state or (target or self.vm_state).value,
                            int(self.power_state if power is None else power))

    class ActionSucceeded(Entity.Event):
        action: str
        vm_state: str
        power_state: int

    @event(ActionSucceeded)
    def _succeeded(self, action: str, vm_state: str, power_state: int) -> None:
        if action == "shelve":  # the image the root disk went into, for the unshelve
            self.shelved_image_id = (self.pending or {}).get("image_id")
        elif action == "unshelve":
            self.shelved_image_id = None
        elif action == "backup":  # the newest `rotation` backups of its type are kept
            pending = self.pending or {}
            kind, rotation = str(pending.get("backup_type")), int(pending.get("rotation", 0))
            kept = [*self.backups.get(kind, []), str(pending.get("image_id"))]
            self.backups = {**self.backups, kind: kept[len(kept) - rotation:] if rotation else []}
        self._become(lifecycle.action_succeeded(self.lifecycle(), action, VmState(vm_state),
                                                PowerState(power_state)))

    def migration_prepared(self, target: dict[str, Any]) -> None:
        """Ignored when replayed, or once a delete was asked for: the delete ends the move."""
        if lifecycle.awaits_target(self.lifecycle()) and \
                self.task_state is not TaskState.DELETING:
            self._prepared(target)

    class MigrationPrepared(Entity.Event):  # target: how the source reaches the destination
        target: dict[str, Any]

    @event(MigrationPrepared)
    def _prepared(self, target: dict[str, Any]) -> None:
        self._become(lifecycle.migration_prepared(self.lifecycle(), target))

    def action_failed(self, action: str, reason: str) -> None:
        if self.pending and self.pending["action"] == action and \
                self.task_state is not TaskState.DELETING:  # as action_succeeded
            self._failed(action, reason)

    class ActionFailed(Entity.Event):
        action: str
        reason: str

    @event(ActionFailed)
    def _failed(self, action: str, reason: str) -> None:
        self._become(lifecycle.action_failed(self.lifecycle(), reason))

    def snapshot_volumes(self, is_admin: bool, image_id: str, snapshot_ids: list[str]) -> None:
        """createImage of a volume-backed server: its volumes' snapshots and the image mapping
        them are saved with this event, nothing is left for a worker (Nova's
        snapshot_volume_backed, run in the API, recorded as the "api_snapshot_instance" step)."""
        self.check_can("snapshot", is_admin, shown_as="createImage")
        self._volumes_snapshotted(image_id, snapshot_ids)

    class VolumesSnapshotted(Entity.Event):
        image_id: str
        snapshot_ids: list[str]

    @event(VolumesSnapshotted)
    def _volumes_snapshotted(self, image_id: str, snapshot_ids: list[str]) -> None:
        pass  # the server's state is untouched: recorded for its actions and history

    # -- bookkeeping the API does directly ---------------------------------------------------
    def check_unlocked(self, is_admin: bool, action: str) -> None:
        if self.locked and not is_admin:
            raise InvalidState(f"Instance {self.id} is locked; '{action}' is not allowed.")

    class Locked(Entity.Event):
        reason: str | None
        locked_by: str

    @event(Locked)
    def lock(self, reason: str | None, locked_by: str = "owner") -> None:
        self.locked, self.locked_reason, self.locked_by = True, reason, locked_by

    class Unlocked(Entity.Event):
        pass

    @event(Unlocked)
    def unlock(self) -> None:
        self.locked, self.locked_reason, self.locked_by = False, None, None

    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def update(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    class StateReset(Entity.Event):
        vm_state: str

    @event(StateReset)
    def reset_state(self, vm_state: str) -> None:
        self._become(lifecycle.state_reset(self.lifecycle(), VmState(vm_state)))

    class PowerStateObserved(Entity.Event):
        power_state: int
        vm_state: str

    @event(PowerStateObserved)
    def observe_power(self, power_state: int, vm_state: str) -> None:
        """The reconciler saw the guest in another state than recorded (e.g. it died)."""
        self._become(lifecycle.power_observed(self.lifecycle(), PowerState(power_state),
                                              VmState(vm_state)))

    # -- volumes: the device is reserved at the request, in the volume's own save ------------
    class VolumeAttachRequested(Entity.Event):
        volume_id: str
        device: str
        delete_on_termination: bool

    @event(VolumeAttachRequested)
    def request_volume_attach(self, volume_id: str, device: str,
                              delete_on_termination: bool = False) -> None:
        """`delete_on_termination`: a boot volume's, or one attached with it from 2.79 (the
        volume itself holds it too)."""
        self.volumes = {**self.volumes, volume_id: device}

    @property
    def root_volume(self) -> str | None:
        """The volume that is the root disk of a volume-backed server: the one at vda (a
        volume attached by hand never gets vda, see domain/services/storage/attachments.py)."""
        return next((v for v, device in self.volumes.items() if device == ROOT_DEVICE), None)

    def request_volume_detach(self, volume_id: str) -> None:
        if volume_id == self.root_volume:
            raise InvalidInput("Cannot detach a root device volume")  # Nova's 400
        self._volume_detach_requested(volume_id)

    class VolumeDetachRequested(Entity.Event):
        volume_id: str

    @event(VolumeDetachRequested)
    def _volume_detach_requested(self, volume_id: str) -> None:
        pass  # recorded for the server's history; the device stays taken until detached

    def volume_detached(self, volume_id: str) -> None:
        """The volume left (detached, or its attach failed): its device is free again."""
        if volume_id in self.volumes:
            self._volume_detached(volume_id)

    class VolumeDetached(Entity.Event):
        volume_id: str

    @event(VolumeDetached)
    def _volume_detached(self, volume_id: str) -> None:
        self.volumes = {v: d for v, d in self.volumes.items() if v != volume_id}

    def request_delete(self) -> None:
        if self.task_state is TaskState.DELETING:
            return
        self._delete_requested()

    class DeleteRequested(Entity.Event):
        pass

    @event(DeleteRequested)
    def _delete_requested(self) -> None:
        self._become(lifecycle.delete_requested(self.lifecycle()))

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def mark_deleted(self) -> None:
        self._become(lifecycle.deleted(self.lifecycle()))
        self.deleted = True
