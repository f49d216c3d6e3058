"""What the storage worker reports back: each outcome of a backend action becomes an event.

Every report is idempotent: a worker replaying its log after a crash may report twice, and the
second report finds the volume already past that point and records nothing. Attach and detach
reports name the attachment they are about, so a stale report of an earlier attachment can never
confirm a later one. Quota is given back here: all of a volume's claim when its deletion is
confirmed, an extend's extra gigabytes when the extend failed.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from domain.commands import changed, command
from domain.context import RequestContext
from domain.services.compute.external_events import volume_extended
from domain.services.quotas import open_ledger
from domain.services.storage.group_members import volume_made
from domain.services.storage.lookup import Lookup, live
from domain.storage.user_message import CREATE_FAILED, EXTEND_FAILED, Reason, UserMessage
from domain.storage.volume import Volume
from domain.storage.volume_type import VolumeType


def failure_message(ctx: RequestContext, volume: Volume, reason: Reason) -> UserMessage:
    """Cinder's user message about a volume request that failed, under its request id."""
    return UserMessage.about_volume(volume.project_id, ctx.request_id, str(volume.id), reason)


def failed(ctx: RequestContext, volume: Volume, reason: Reason) -> list[UserMessage]:
    """The message to save with a failure just recorded on the volume; none on a replay."""
    return [failure_message(ctx, volume, reason)] if volume.pending_events else []


class VolumeOutcomes(Lookup):
    def load(self, volume_id: UUID | str) -> Volume | None:
        found = live(self.app, volume_id, Volume)
        return found if isinstance(found, Volume) else None

    @command
    def created(self, ctx: RequestContext, volume_id: UUID | str, path: str) -> None:
        volume = self.load(volume_id)
        if volume is not None:
            volume.created(path)
            if volume.pending_events:
                self.app.save(*changed(volume, volume_made(self.app, volume, True)))

    @command
    def create_failed(self, ctx: RequestContext, volume_id: UUID | str, reason: str) -> None:
        """The volume goes to error and keeps its quota until it is deleted (as in Cinder)."""
        volume = self.load(volume_id)
        if volume is not None:
            volume.create_failed(reason)
            if volume.pending_events:
                self.app.save(*changed(volume, volume_made(self.app, volume, False)),
                              *failed(ctx, volume, CREATE_FAILED))

    @command
    def extended(self, ctx: RequestContext, volume_id: UUID | str, size: int) -> None:
        """An attached volume's guest is told, in the same save (Cinder's volume-extended
        external event to Nova), and its host resizes the guest's disk."""
        volume = self.load(volume_id)
        if volume is not None:
            volume.extended(size)
            attachment = volume.attachment if changed(volume) else None
            told = volume_extended(self.app, attachment["server_id"], volume.id) \
                if attachment is not None else None
            self.app.save(*changed(volume, told))

    @command
    def extend_failed(self, ctx: RequestContext, volume_id: UUID | str, reason: str) -> None:
        volume = self.load(volume_id)
        if volume is None:
            return
        held = volume.quota_held()
        volume.extend_failed(reason)
        ledger = open_ledger(self.app, volume.project_id)
        ledger.release({k: held[k] - v for k, v in volume.quota_held().items()})
        self.app.save(*changed(volume, ledger), *failed(ctx, volume, EXTEND_FAILED))

    @command
    def deleted(self, ctx: RequestContext, volume_id: UUID | str) -> None:
        volume = self.load(volume_id)
        if volume is None:
            return
        held = volume.quota_held()
        volume.mark_deleted()
        if volume.pending_events:
            ledger = open_ledger(self.app, volume.project_id)
            ledger.release(held)
            vtype = live(self.app, volume.volume_type_id, VolumeType) \
                if volume.volume_type_id else None
            if isinstance(vtype, VolumeType):
                vtype.release(volume.id.hex)  # one volume fewer keeping the type in use
            self.app.save(*changed(volume, ledger, vtype))

    @command
    def delete_failed(self, ctx: RequestContext, volume_id: UUID | str, reason: str) -> None:
        volume = self.load(volume_id)
        if volume is not None:
            volume.delete_failed(reason)
            self.app.save(*changed(volume))

    @command
    def attached(self, ctx: RequestContext, volume_id: UUID | str, attachment_id: str,
                 host: str, device: str) -> None:
        volume = self.load(volume_id)
        if volume is not None:
            volume.attached(attachment_id, host, device)
            self.app.save(*changed(volume))

    @command
    def attach_failed(self, ctx: RequestContext, volume_id: UUID | str, attachment_id: str,
                      reason: str) -> None:
        """The volume is available again and the server's device is free."""
        self._left(volume_id, lambda v: v.attach_failed(attachment_id, reason))

    @command
    def detached(self, ctx: RequestContext, volume_id: UUID | str, attachment_id: str) -> None:
        """The volume is available again and the server's device is free (a server deleted
        meanwhile is left as it is)."""
        self._left(volume_id, lambda v: v.detached(attachment_id))

    @command
    def detach_failed(self, ctx: RequestContext, volume_id: UUID | str, attachment_id: str,
                      reason: str) -> None:
        volume = self.load(volume_id)
        if volume is not None:
            volume.detach_failed(attachment_id, reason)
            self.app.save(*changed(volume))

    @command
    def lost(self, ctx: RequestContext, volume_id: UUID | str, reason: str) -> None:
        """Drift: the backend lost a volume it should hold. It goes to error (an extend's extra
        claim is given back, the rest stays held until the volume is deleted)."""
        volume = self.load(volume_id)
        if volume is None:
            return
        held = volume.quota_held()
        volume.lost(reason)
        if volume.pending_events:
            ledger = open_ledger(self.app, volume.project_id)
            ledger.release({k: held[k] - v for k, v in volume.quota_held().items()})
            self.app.save(*changed(volume, ledger))

    def _left(self, volume_id: UUID | str, report: Callable[[Volume], None]) -> None:
        volume = self.load(volume_id)
        if volume is None:
            return
        server_id = (volume.attachment or {}).get("server_id")
        report(volume)
        if not volume.pending_events:
            return
        instance = self.attached_instance(server_id)
        if instance is not None:
            instance.volume_detached(volume.id.hex)
        self.app.save(*changed(volume, instance))
