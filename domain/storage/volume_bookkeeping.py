"""Cinder's attach bookkeeping on a volume, for attachers other than this cloud's compute workers
(Cinder's legacy os-attach family), and an administrator's status overrides.

os-reserve and os-begin_detaching only move the volume's status, as Cinder's do: the attacher
(a hypervisor this cloud does not drive) then records the attachment it made with os-attach and
its end with os-detach. Such a recorded attachment has no device on any of our servers, so no
worker acts on it (its events are not AttachRequested/DetachRequested); it is marked `recorded`.
A reservation is the attaching status without an attachment; a detach begun by hand marks the
attachment `detach_begun`, so os-roll_detaching never undoes a detach a worker carries out.
The base of `Volume` (domain/storage/volume.py), between it and volume_holdings.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import InvalidInput
from domain.storage.attachment import new_attachment, now
from domain.storage.volume_holdings import VolumeHoldings
from domain.storage.volume_states import RESETTABLE, InvalidVolume, VolumeStatus

S = VolumeStatus
ATTACH_MODES = ("rw", "ro")


def image_properties(image: Mapping[str, Any] | None) -> dict[str, str]:
    """Cinder's volume glance metadata of a volume made from `image` (its snapshot of it):
    what the image said, as strings (nothing for a volume made from no image)."""
    if image is None:
        return {}
    values = {"image_id": str(UUID(image["id"])), "image_name": image.get("name"),
              "checksum": image.get("checksum"), "disk_format": image.get("disk_format"),
              "container_format": image.get("container_format"),
              "min_disk": image.get("min_disk"), "min_ram": image.get("min_ram"),
              "size": image.get("size")}
    return {k: str(v) for k, v in values.items() if v is not None}


def check_detach(attachment: dict[str, Any] | None, attachment_id: str | None) -> dict[str, Any]:
    """The attachment an os-detach names (None: the volume's one), Cinder's 400 otherwise."""
    if attachment is None or (attachment_id is not None
                              and attachment_id != attachment["attachment_id"]):
        raise InvalidVolume(f"Volume attachment {attachment_id or ''} could not be found.")
    return attachment


class VolumeBookkeeping(VolumeHoldings):
    attachment: dict[str, Any] | None
    admin_metadata: dict[str, str]  # Cinder's visible admin metadata: readonly, attached_mode
    boot_of: str | None
    delete_on_termination: bool

    @property
    def glance_metadata(self) -> dict[str, str]:
        """The glance metadata as os-set_image_metadata/os-unset_image_metadata left it (an
        Updated event sets `image_metadata`; a volume never changed so has no such attribute),
        else what the image it was made from said."""
        changed: dict[str, str] | None = getattr(self, "image_metadata", None)
        return dict(changed) if changed is not None else image_properties(self.image)

    def attached_to(self, server_id: str) -> bool:
        return self.attachment is not None and self.attachment["server_id"] == server_id

    # -- reservations (os-reserve, os-unreserve) ----------------------------------------------
    def reserve(self) -> None:
        if self.status is not S.AVAILABLE or self.attachment is not None:
            raise InvalidVolume(f"Volume status must be available to reserve, but the status "
                                f"is {self.status.value}.")
        self._reserved()

    class Reserved(Entity.Event):
        pass

    @event(Reserved)
    def _reserved(self) -> None:
        self.status = S.ATTACHING

    def is_reserved(self) -> bool:
        return self.status is S.ATTACHING and self.attachment is None

    def unreserve(self) -> None:
        """Nothing to do unless reserved (Cinder only logs that)."""
        if self.is_reserved():
            self._unreserved()

    class Unreserved(Entity.Event):
        pass

    @event(Unreserved)
    def _unreserved(self) -> None:
        self.status = S.AVAILABLE

    # -- recorded attachments (os-attach, os-detach) -------------------------------------------
    def record_attach(self, server_id: str | None, host_name: str | None, mountpoint: str,
                      mode: str) -> str:
        """An attachment another attacher made; returns its id. Cinder's attach_volume: the
        volume available or reserved, a read-only volume attached read-only."""
        if mode not in ATTACH_MODES:
            raise InvalidInput(f"Invalid input received: Invalid attaching mode '{mode}' for "
                               f"volume {self.id}.")
        if not (self.status is S.AVAILABLE and self.attachment is None or self.is_reserved()):
            raise InvalidVolume(f"Volume status must be available or attaching to attach, but "
                                f"the status is {self.status.value}.")
        if self.admin_metadata.get("readonly") == "True" and mode != "ro":
            raise InvalidInput(f"Invalid attaching mode '{mode}' for volume {self.id}: it is "
                               "read-only.")
        attachment = {**new_attachment(server_id or "", host_name or "", mountpoint),
                      "server_id": server_id, "host": host_name, "attached_at": now(),
                      "recorded": True}
        self._attachment_recorded(attachment, mode)
        return str(attachment["attachment_id"])

    class AttachmentRecorded(Entity.Event):
        attachment: dict[str, Any]
        mode: str

    @event(AttachmentRecorded)
    def _attachment_recorded(self, attachment: dict[str, Any], mode: str) -> None:
        self.status, self.attachment = S.IN_USE, dict(attachment)
        self.admin_metadata = {"readonly": "False", **self.admin_metadata, "attached_mode": mode}

    def is_recorded(self) -> bool:
        return bool((self.attachment or {}).get("recorded"))

    def remove_attachment(self, attachment_id: str | None, forced: bool = False) -> None:
        """os-detach of a recorded attachment (from in-use or detaching; an administrator's
        os-force_detach from any status): the volume is available again."""
        check_detach(self.attachment, attachment_id)
        if not forced and self.status not in (S.IN_USE, S.DETACHING):
            raise InvalidVolume("Unable to detach volume. Volume status must be 'in-use' and "
                                "attach_status must be 'attached' to detach.")
        self._attachment_removed()

    class AttachmentRemoved(Entity.Event):
        pass

    @event(AttachmentRemoved)
    def _attachment_removed(self) -> None:
        self.status, self.attachment = S.AVAILABLE, None
        self.admin_metadata = {k: v for k, v in self.admin_metadata.items()
                               if k != "attached_mode"}

    # -- detaching by hand (os-begin_detaching, os-roll_detaching) -----------------------------
    def begin_detaching(self) -> None:
        if self.status is not S.IN_USE or not (self.attachment or {}).get("attached_at"):
            raise InvalidVolume("Unable to detach volume. Volume status must be 'in-use' and "
                                "attach_status must be 'attached' to detach.")
        self._detach_begun()

    class DetachBegun(Entity.Event):
        pass

    @event(DetachBegun)
    def _detach_begun(self) -> None:
        self.status = S.DETACHING
        self.attachment = {**(self.attachment or {}), "detach_begun": True}

    def roll_detaching(self) -> None:
        """Back to in-use, when a detach was begun by hand (else nothing, as in Cinder)."""
        if self.status is S.DETACHING and (self.attachment or {}).get("detach_begun"):
            self._detaching_rolled_back()

    class DetachingRolledBack(Entity.Event):
        pass

    @event(DetachingRolledBack)
    def _detaching_rolled_back(self) -> None:
        self.status = S.IN_USE
        self.attachment = {k: v for k, v in (self.attachment or {}).items()
                           if k != "detach_begun"}

    # -- an administrator's override (os-reset_status) ----------------------------------------
    def reset_status(self, status: str, detach: bool = False) -> None:
        """Cinder's os-reset_status: the volume is taken out of whatever it was doing, and an
        extend's claim with it. Its attachment stays (as in Cinder) unless `detach` (Cinder's
        attach_status "detached") or the volume is made available, which here means free."""
        if status not in {s.value for s in RESETTABLE}:
            raise InvalidInput(f"Invalid input received: Cannot reset-state to {status}.")
        detach = detach or status == S.AVAILABLE.value
        if status == S.IN_USE.value and (detach or self.attachment is None):
            raise InvalidInput("Invalid input received: Cannot reset-state to in-use because "
                               "volume does not have any attachments.")
        if status != self.status.value or self.extending_to or \
                (detach and self.attachment is not None):
            self._status_reset(status, self.status.value, detach)

    def _status_reset(self, status: str, previous: str, detached: bool) -> None:
        raise NotImplementedError  # Volume.StatusReset (its topic stays the one it always had)
