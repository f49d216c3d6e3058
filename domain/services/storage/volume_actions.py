"""Cinder's volume actions beyond create/extend/delete: the legacy attach family (os-reserve,
os-unreserve, os-attach, os-detach, os-begin_detaching, os-roll_detaching, os-force_detach),
the bootable and read-only flags, and an administrator's os-force_delete.

An attachment recorded with os-attach is Cinder's bookkeeping for an attacher this cloud does
not drive: no worker acts on it. os-detach of an attachment this cloud's compute worker made is
a real detach, saved with the server's device release as a detach through Nova's API is.
"""

from __future__ import annotations

from uuid import UUID

from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound
from domain.services.storage.attachments import check_volume_change
from domain.services.storage.lookup import Lookup
from domain.storage.volume import Volume
from domain.storage.volume_bookkeeping import check_detach
from domain.storage.volume_states import VolumeStatus


class VolumeActions(Lookup):
    @command
    def reserve(self, ctx: RequestContext, volume_id: UUID | str) -> Volume:
        volume = self.volume(ctx, volume_id)
        volume.reserve()
        self.app.save(volume)
        return volume

    @command
    def unreserve(self, ctx: RequestContext, volume_id: UUID | str) -> Volume:
        volume = self.volume(ctx, volume_id)
        volume.unreserve()
        self.app.save(*changed(volume))
        return volume

    @command
    def begin_detaching(self, ctx: RequestContext, volume_id: UUID | str) -> Volume:
        volume = self.volume(ctx, volume_id)
        volume.begin_detaching()
        self.app.save(volume)
        return volume

    @command
    def roll_detaching(self, ctx: RequestContext, volume_id: UUID | str) -> Volume:
        volume = self.volume(ctx, volume_id)
        volume.roll_detaching()
        self.app.save(*changed(volume))
        return volume

    @command
    def record_attach(self, ctx: RequestContext, volume_id: UUID | str,
                      server_id: UUID | None, host_name: str | None, mountpoint: str,
                      mode: str = "rw") -> Volume:
        """Cinder's os-attach: needs an instance uuid or a host name (Cinder does not look the
        instance up: the attacher is not necessarily this cloud's compute)."""
        if server_id is None and not host_name:
            raise InvalidInput("Invalid input received: an instance_uuid or a host_name is "
                               "needed to attach.")
        volume = self.volume(ctx, volume_id)
        volume.record_attach(server_id.hex if server_id else None, host_name, mountpoint, mode)
        self.app.save(volume)
        return volume

    @command
    def detach(self, ctx: RequestContext, volume_id: UUID | str,
               attachment_id: str | None = None, forced: bool = False) -> Volume:
        """os-detach (`forced`: an administrator's os-force_detach, from any status)."""
        volume = self.volume(ctx, volume_id)
        if volume.attachment is None and attachment_id is None:
            # Cinder's detach of a volume with no attachment: "not attached", and a
            # reservation left behind is undone.
            volume.unreserve()
            self.app.save(*changed(volume))
            return volume
        attachment = check_detach(volume.attachment, attachment_id and _hex(attachment_id))
        if volume.is_recorded():
            volume.remove_attachment(attachment["attachment_id"], forced)
            self.app.save(volume)
            return volume
        # One this cloud's compute worker made: detached for real, from its server.
        instance = self.server(ctx, attachment["server_id"])
        volume.roll_detaching()
        check_volume_change(instance, "detach_volume", ctx.is_admin)
        volume.request_detach()
        instance.request_volume_detach(volume.id.hex)
        self.app.save(volume, instance)
        return volume

    @command
    def set_bootable(self, ctx: RequestContext, volume_id: UUID | str,
                     bootable: bool) -> Volume:
        volume = self.volume(ctx, volume_id)
        if volume.bootable != bootable:
            volume.update({"bootable": bootable})
            self.app.save(volume)
        return volume

    @command
    def update_readonly(self, ctx: RequestContext, volume_id: UUID | str,
                        readonly: bool) -> Volume:
        """Cinder's os-update_readonly_flag: on an available volume only."""
        volume = self.volume(ctx, volume_id)
        if volume.status is not VolumeStatus.AVAILABLE:
            raise InvalidInput(f"Invalid volume: Volume {volume.id} status must be available "
                               "to update readonly flag, but current status is: "
                               f"{volume.status.value}.")
        flags = {**volume.admin_metadata, "readonly": str(readonly)}
        if flags != volume.admin_metadata:
            volume.update({"admin_metadata": flags})
            self.app.save(volume)
        return volume

    @command
    def set_image_metadata(self, ctx: RequestContext, volume_id: UUID | str,
                           metadata: dict[str, str]) -> dict[str, str]:
        """Cinder's os-set_image_metadata: merged into the volume's glance metadata."""
        volume = self.volume(ctx, volume_id)
        check_metadata_change(volume)
        merged = {**volume.glance_metadata, **metadata}
        if merged != getattr(volume, "image_metadata", None):
            volume.update({"image_metadata": merged})
            self.app.save(volume)
        return merged

    @command
    def unset_image_metadata(self, ctx: RequestContext, volume_id: UUID | str,
                             key: str) -> Volume:
        volume = self.volume(ctx, volume_id)
        check_metadata_change(volume)
        current = volume.glance_metadata
        if key not in current:
            raise NotFound(f"Glance metadata for volume {volume_id} could not be found.")
        volume.update({"image_metadata": {k: v for k, v in current.items() if k != key}})
        self.app.save(volume)
        return volume

    @command
    def force_delete(self, ctx: RequestContext, volume_id: UUID | str) -> Volume:
        """os-force_delete: whatever its status (not while attached or with snapshots); the
        storage worker deletes whatever the pool holds of it, and the quota goes then."""
        volume = self.volume(ctx, volume_id)
        volume.request_delete(force=True)
        self.app.save(volume)
        return volume


def check_metadata_change(volume: Volume) -> None:
    """Cinder changes no metadata of a volume in maintenance or being uploaded."""
    if volume.status in (VolumeStatus.MAINTENANCE, VolumeStatus.UPLOADING):
        raise InvalidInput(f"Invalid volume: The volume metadata cannot be updated when the "
                           f"volume is in {volume.status.value} status.")


def _hex(ref: str) -> str:
    try:
        return UUID(ref).hex
    except ValueError:
        return ref  # names no attachment: check_detach refuses it
