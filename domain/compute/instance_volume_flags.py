"""An instance's part in changing how it holds an attached volume (Nova's 2.85 `PUT
/servers/{id}/os-volume_attachments/{volume_id}`): whether deleting the server deletes the
volume. The volume holds the same flag (Volume.BootBound), saved with this event. Instance's
base (instance.py)."""

from __future__ import annotations

from eventsourcing.domain import event

from domain.base import Entity


class InstanceVolumeFlags(Entity):
    class VolumeDeleteOnTerminationSet(Entity.Event):
        volume_id: str
        delete_on_termination: bool

    @event(VolumeDeleteOnTerminationSet)
    def set_delete_on_termination(self, volume_id: str, delete_on_termination: bool) -> None:
        """Only the read models keep it on the instance's side: the volume decides."""
