"""The Volume aggregate: a block device that outlives instances, from request to deletion.

Requests (create, extend, delete, attach, detach) move it into an in-progress status the storage
worker acts on; its outcomes are recorded only while the volume is still in that status, so a
replayed report records nothing. Statuses: volume_states.py; copies, transfers, reimages, groups
and boot from volume: its bases.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.compute.copies import ImageCopy
from domain.errors import InvalidInput
from domain.storage.attachment import new_attachment, now
from domain.storage.volume_backups import VolumeBackups
from domain.storage.volume_boot import VolumeBoot
from domain.storage.volume_groups import VolumeGroups
from domain.storage.volume_holdings import no_source
from domain.storage.volume_reimage import VolumeReimages
from domain.storage.volume_states import (
    DELETE_REFUSED,
    FORCE_DELETE_REFUSED,
    LOSABLE,
    OPERATIONS,
    InvalidVolume,
    VolumeBusy,
    VolumeStatus,
    statuses,
)
from domain.storage.volume_transfers import VolumeTransfers
from domain.storage.volume_uploads import VolumeUploads

S = VolumeStatus
# What an Updated event may change: user fields, type, os-set_bootable, os-update_readonly_flag.
UPDATED = ("name", "description", "metadata", "volume_type_id", "bootable", "admin_metadata",
           "image_metadata")


class Volume(VolumeGroups, VolumeBoot, VolumeTransfers, VolumeBackups, VolumeUploads,
             VolumeReimages):
    class Requested(Entity.Created):
        class_version = 3  # 2: volume_type_id, 3: snapshot_id and source_volid (None before)
        project_id: str
        user_id: str
        name: str | None
        description: str | None
        size: int
        availability_zone: str
        image: ImageCopy | None
        metadata: dict[str, str]
        host: str | None
        boot_of: str | None
        delete_on_termination: bool
        volume_type_id: str | None  # the type's id (hex); None is the default type
        snapshot_id: str | None  # hex: made from that snapshot's copy
        source_volid: str | None  # hex: a clone of that volume
        upcast_v1_v2 = staticmethod(lambda state: state.update(volume_type_id=None))
        upcast_v2_v3 = staticmethod(no_source)

    @event(Requested)
    def __init__(self, project_id: str, user_id: str, name: str | None,
                 description: str | None, size: int, availability_zone: str,
                 image: ImageCopy | None, metadata: dict[str, str],
                 host: str | None, boot_of: str | None = None,
                 delete_on_termination: bool = False, volume_type_id: str | None = None,
                 snapshot_id: str | None = None, source_volid: str | None = None) -> None:
        """`image` is a snapshot of the source image (None: an empty volume); `host` is the
        storage host whose pool is to hold the volume. `boot_of`: the server (id hex) whose root
        disk this volume is (boot from volume); its compute worker makes a new one at spawn, as
        Nova's compute manager has Cinder make it, so the storage worker leaves it alone.
        `delete_on_termination`: deleting that server deletes the volume too. The rest:
        volume_holdings.py."""
        self.copied_from(snapshot_id, source_volid)
        self.boot_of, self.delete_on_termination = boot_of, delete_on_termination
        self.volume_type_id = volume_type_id
        self.project_id, self.user_id = project_id, user_id
        self.name, self.description, self.metadata = name, description, metadata
        self.size, self.availability_zone = size, availability_zone
        self.image, self.host, self.bootable = image, host, image is not None
        self.admin_metadata: dict[str, str] = {}  # volume_bookkeeping.py
        self.upload: dict[str, Any] | None = None  # volume_uploads.py
        self.status = S.CREATING
        self.path: str | None = None  # set when the backend made it
        self.extending_to: int | None = None
        # {attachment_id, server_id, host, device, tag, attached_at (None until confirmed)}
        self.attachment: dict[str, Any] | None = None
        self.fault: str | None = None
        self.deleted = False

    # -- requests -----------------------------------------------------------------------------
    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def update(self, changes: dict[str, Any]) -> None:
        for key in UPDATED:
            if key in changes:
                setattr(self, key, changes[key])

    def request_extend(self, new_size: int, attached: bool = False) -> None:
        """`attached` (Cinder 3.42): an in-use volume may grow too; its attachment stays, and
        once the storage side has grown it its server's host resizes the guest's disk."""
        if self.status not in OPERATIONS["extend"].sources and not (
                attached and self.status is S.IN_USE and self.attachment is not None):
            raise InvalidVolume(f"Volume {self.id} status must be {statuses('extend')} to "
                                f"extend, but current status is: {self.status.value}.")
        if new_size <= self.size:
            raise InvalidInput("Invalid input received: New size for extend must be greater "
                               f"than current size. (current: {self.size}, extended: "
                               f"{new_size}).")
        self._extend_requested(new_size)

    class ExtendRequested(Entity.Event):
        new_size: int

    @event(ExtendRequested)
    def _extend_requested(self, new_size: int) -> None:
        self.status, self.extending_to = S.EXTENDING, new_size

    def request_delete(self, cascade: bool = False, force: bool = False) -> None:
        """`force`: an administrator's os-force_delete, from any status but deleting."""
        allowed = self.status is not S.DELETING if force else \
            self.status in OPERATIONS["delete"].sources
        if not allowed or self.attachment is not None or self.held_by_snapshots(cascade):
            raise InvalidVolume(FORCE_DELETE_REFUSED if force else
                                DELETE_REFUSED.format(statuses("delete")))
        self._delete_requested()

    class DeleteRequested(Entity.Event):
        pass

    @event(DeleteRequested)
    def _delete_requested(self) -> None:
        self.status = S.DELETING

    def request_attach(self, server_id: str, host: str, device: str,
                       tag: str | None = None, delete_on_termination: bool = False) -> str:
        """Reserve the volume for the server; returns the new attachment's id."""
        if self.status not in OPERATIONS["attach"].sources or self.attachment is not None:
            raise VolumeBusy(f"Invalid volume: Volume status must be {statuses('attach')} to "
                             f"reserve, but the status is {self.status.value}.")
        if (self.boot_of, self.delete_on_termination) != (None, delete_on_termination):
            self._boot_bound(None, delete_on_termination)  # by hand: deleted with it or not
        attachment = new_attachment(server_id, host, device, tag)
        self._attach_requested(attachment)
        return str(attachment["attachment_id"])

    class AttachRequested(Entity.Event):
        attachment: dict[str, Any]

    @event(AttachRequested)
    def _attach_requested(self, attachment: dict[str, Any]) -> None:
        self.status, self.attachment = S.ATTACHING, dict(attachment)

    def request_detach(self) -> None:
        if self.status not in OPERATIONS["detach"].sources:
            raise VolumeBusy("Invalid volume: Unable to detach volume. Volume status must be "
                             "'in-use' and attach_status must be 'attached' to detach.")
        self._detach_requested()

    class DetachRequested(Entity.Event):
        pass

    @event(DetachRequested)
    def _detach_requested(self) -> None:
        self.status = S.DETACHING

    class StatusReset(Entity.Event):  # reset_status: volume_bookkeeping.py
        class_version = 2  # 2: detached (every reset dropped the attachment before)
        status: str
        previous: str
        detached: bool
        upcast_v1_v2 = staticmethod(lambda state: state.update(detached=True))

    @event(StatusReset)
    def _status_reset(self, status: str, previous: str, detached: bool) -> None:
        self.status, self.extending_to = S(status), None
        if detached:  # it no longer is any server's disk, nor reserved as its root disk
            self.attachment, self.boot_of, self.delete_on_termination = None, None, False

    # -- boot from volume: the root disk (vda) of a server ------------------------------------
    class BootReserved(Entity.Event):
        attachment: dict[str, Any]

    @event(BootReserved)
    def _boot_reserved(self, attachment: dict[str, Any]) -> None:
        self.attachment = dict(attachment)  # still creating: nothing to show as attaching yet

    class BootBound(Entity.Event):
        server_id: str | None
        delete_on_termination: bool

    @event(BootBound)
    def _boot_bound(self, server_id: str | None, delete_on_termination: bool) -> None:
        self.boot_of, self.delete_on_termination = server_id, delete_on_termination

    class BootRescheduled(Entity.Event):
        storage_host: str | None
        server_host: str

    @event(BootRescheduled)
    def _boot_rescheduled(self, storage_host: str | None, server_host: str) -> None:
        self.host = storage_host
        self.attachment = {**(self.attachment or {}), "host": server_host}

    # -- outcomes the storage worker reports ---------------------------------------------------
    def _busy(self, op: str, attachment_id: str | None = None) -> bool:
        if self.status is not OPERATIONS[op].busy:
            return False
        return attachment_id is None or (self.attachment or {}).get("attachment_id") == \
            attachment_id

    def created(self, path: str) -> None:
        if self._busy("create"):
            self._created(path)

    class Provisioned(Entity.Event):
        path: str

    @event(Provisioned)
    def _created(self, path: str) -> None:
        self.status, self.path, self.fault = S.AVAILABLE, path, None

    def create_failed(self, reason: str) -> None:
        if self._busy("create"):
            self._create_failed(reason)

    class ProvisionFailed(Entity.Event):
        reason: str

    @event(ProvisionFailed)
    def _create_failed(self, reason: str) -> None:
        self.status, self.fault = S.ERROR, reason

    def extended(self, size: int) -> None:
        if self._busy("extend") and size == self.extending_to:
            self._extended(size)

    class Extended(Entity.Event):
        size: int

    @event(Extended)
    def _extended(self, size: int) -> None:
        self.status = S.IN_USE if self.attachment is not None else S.AVAILABLE
        self.size, self.extending_to, self.fault = size, None, None

    def extend_failed(self, reason: str) -> None:
        if self._busy("extend"):
            self._extend_failed(reason)

    class ExtendFailed(Entity.Event):
        reason: str

    @event(ExtendFailed)
    def _extend_failed(self, reason: str) -> None:
        self.status, self.extending_to, self.fault = S.ERROR_EXTENDING, None, reason

    def mark_deleted(self) -> None:
        if self._busy("delete"):
            self._deleted()

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def _deleted(self) -> None:
        self.status, self.deleted = S.DELETED, True

    def delete_failed(self, reason: str) -> None:
        if self._busy("delete"):
            self._delete_failed(reason)

    class DeleteFailed(Entity.Event):
        reason: str

    @event(DeleteFailed)
    def _delete_failed(self, reason: str) -> None:
        self.status, self.fault = S.ERROR_DELETING, reason

    def attached(self, attachment_id: str, host: str, device: str) -> None:
        """libvirt confirmed the attach, with the host and the device the guest got."""
        if self._busy("attach", attachment_id):
            self._attached(host, device, now())

    class Attached(Entity.Event):
        host: str
        device: str
        attached_at: str

    @event(Attached)
    def _attached(self, host: str, device: str, attached_at: str) -> None:
        self.status, self.fault = S.IN_USE, None
        self.attachment = {**(self.attachment or {}), "host": host, "device": device,
                           "attached_at": attached_at}

    def attach_failed(self, attachment_id: str, reason: str) -> None:
        if self._busy("attach", attachment_id):
            self._attach_failed(reason)

    class AttachFailed(Entity.Event):
        reason: str

    @event(AttachFailed)
    def _attach_failed(self, reason: str) -> None:
        self.status, self.attachment, self.fault = S.AVAILABLE, None, reason

    def detached(self, attachment_id: str) -> None:
        if self._busy("detach", attachment_id):
            self._detached()
        elif self.status is S.CREATING and self.boot_of and \
                (self.attachment or {}).get("attachment_id") == attachment_id:
            # The root disk of a server deleted before its spawn made it: there is no data to
            # keep, whatever delete_on_termination says. The storage worker deletes whatever a
            # spawn cut short may have left in the pool (its delete is idempotent).
            self._boot_dropped()
            self._delete_requested()

    class BootDropped(Entity.Event):
        pass

    @event(BootDropped)
    def _boot_dropped(self) -> None:
        self.attachment, self.boot_of, self.delete_on_termination = None, None, False

    class Detached(Entity.Event):
        pass

    @event(Detached)
    def _detached(self) -> None:
        self.status, self.attachment = S.AVAILABLE, None

    def detach_failed(self, attachment_id: str, reason: str) -> None:
        if self._busy("detach", attachment_id):
            self._detach_failed(reason)

    class DetachFailed(Entity.Event):
        reason: str

    @event(DetachFailed)
    def _detach_failed(self, reason: str) -> None:
        self.status, self.fault = S.IN_USE, reason

    # -- drift the storage worker's reconciler finds ---------------------------------------------
    def lost(self, reason: str) -> None:
        """The backend no longer holds this volume although it should (its file was removed
        behind the system's back). Recorded once: the volume is in error afterwards. An extend
        in progress is dropped with its claim; an attachment is kept (the guest may still hold
        the disk open) until it is detached or an administrator resets the status."""
        if self.status in LOSABLE:
            self._lost(reason, self.status.value)

    class Lost(Entity.Event):
        reason: str
        previous: str

    @event(Lost)
    def _lost(self, reason: str, previous: str) -> None:
        self.status, self.extending_to, self.fault = S.ERROR, None, reason
