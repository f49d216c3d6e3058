"""A volume as the root disk (vda) of a server booted from it: reserved in the boot's own save,
moved with a rescheduled spawn, made and attached by the compute worker's spawn. The checks and
decisions; the events (BootReserved, BootBound, BootRescheduled, and the Provisioned,
AttachRequested, Attached it goes through) are Volume's own (volume.py), declared here as stubs.
Volume's base."""

from __future__ import annotations

from typing import Any

from domain.compute.instance import ROOT_DEVICE
from domain.storage.attachment import new_attachment, now
from domain.storage.volume_bookkeeping import VolumeBookkeeping
from domain.storage.volume_states import OPERATIONS, InvalidVolume, VolumeStatus

S = VolumeStatus


class VolumeBoot(VolumeBookkeeping):
    host: str | None = None  # (set by Volume's __init__; a default keeps the fields' order)

    def reserve_for_boot(self, server_id: str, host: str, delete_on_termination: bool) -> str:
        """Reserve the volume as the root disk of a server being booted, in the boot's own
        save; returns the attachment's id. A volume made for that server (`boot_of`, still
        creating) is only reserved: its spawn makes it. An existing volume must be available,
        and is then attaching until the spawn confirms it (Nova's words when it is not)."""
        attachment = new_attachment(server_id, host, ROOT_DEVICE)
        if self.status is S.CREATING and self.boot_of == server_id and self.attachment is None:
            self._boot_reserved(attachment)
        elif self.status not in OPERATIONS["attach"].sources or self.attachment is not None:
            raise InvalidVolume(f"volume '{self.id}' status must be 'available'. Currently in "
                                f"'{self.status.value}'")
        else:
            self._attach_requested(attachment)
            self._boot_bound(server_id, delete_on_termination)
        return str(attachment["attachment_id"])

    def is_root_of(self, server_id: str) -> bool:
        return self.boot_of == server_id and self.attached_to(server_id)

    def boot_rescheduled(self, server_id: str, host: str) -> None:
        """The server's spawn failed and it was rescheduled to `host`, in the same save. A new
        root volume still to be made goes with it: pools are per host, the failed host deleted
        what it made in its own (domain/process/compute/root_volumes.py), and the new host
        makes it in its pool, so that host is now the volume's storage host. A volume the user
        supplied stays in its pool; only its reservation moves to the server's new host."""
        if not self.attached_to(server_id) or self.status not in (S.CREATING, S.ATTACHING):
            return
        storage = host if self.status is S.CREATING and self.boot_of == server_id else self.host
        if (storage, host) != (self.host, (self.attachment or {}).get("host")):
            self._boot_rescheduled(storage, host)

    def root_attached(self, server_id: str, host: str, path: str | None) -> None:
        """The compute worker spawned the server with this volume as its root disk: a new one
        is made (at `path`), and the attach is confirmed. Recorded with the server's Spawned, as
        the Provisioned, AttachRequested and Attached a volume attached by hand goes through;
        a replay finds the volume in-use and records nothing."""
        if not self.is_root_of(server_id):
            return
        if self.status is S.CREATING and path:
            attachment = dict(self.attachment or {})
            self._created(path)
            self._attach_requested(attachment)
        if self.status is S.ATTACHING:
            self._attached(host, ROOT_DEVICE, now())


    # -- Volume's events ------------------------------------------------------------------------
    def _boot_reserved(self, attachment: dict[str, Any]) -> None:
        raise NotImplementedError

    def _attach_requested(self, attachment: dict[str, Any]) -> None:
        raise NotImplementedError

    def _boot_bound(self, server_id: str | None, delete_on_termination: bool) -> None:
        raise NotImplementedError

    def _boot_rescheduled(self, storage_host: str | None, server_host: str) -> None:
        raise NotImplementedError

    def _created(self, path: str) -> None:
        raise NotImplementedError

    def _attached(self, host: str, device: str, attached_at: str) -> None:
        raise NotImplementedError
