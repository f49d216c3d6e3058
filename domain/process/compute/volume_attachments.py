"""The compute side of volumes: the host of a volume's server attaches it to the guest, or
detaches it, and reports the outcome to the volume.

Level-triggered like the rest of the worker: a Volume's AttachRequested or DetachRequested only
says "look at this volume now". What to do is decided from the volume's current status and
attachment and from its server (`decide`), so a replay after a crash finds the volume already
in-use (or available) and does nothing, and a half-done attach is completed by the adapter,
which changes only what the guest's definitions lack. The volume is in-use only once libvirt
confirmed the attach.

The host that acts is the one running the server's guest (`instance.host`): a volume's own
`attachment["host"]` is where the guest was when the attach was asked for, and is used only
when the server is gone. A volume without a file (only an administrator's status reset can
make a never-created volume available, and attachable) fails its attach: no Provisioned event
would ever come for it, since `created` is recorded only while a volume is creating.

`guest_volumes` is the other half: a guest rebuilt from its spec (rebuild, resize, a hard reboot
of a lost domain) gets the volumes the record says are in it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.app import SkyLedger
from domain.base import Entity
from domain.compute.backends import GuestNotFound, GuestVolume, Hypervisor, HypervisorError
from domain.compute.instance import Instance
from domain.context import RequestContext
from domain.process.effects import recording
from domain.services.storage.lookup import live
from domain.services.storage.outcomes import VolumeOutcomes
from domain.storage.volume import Volume
from domain.storage.volume_states import VolumeStatus

log = logging.getLogger(__name__)
S = VolumeStatus

REQUESTS: tuple[type[Volume.Event], ...] = (Volume.AttachRequested, Volume.DetachRequested)
TOPICS: tuple[str, ...] = tuple(get_topic(cls) for cls in REQUESTS)
# Later events that make the current state another request's: its own event acts on it.
SUPERSEDING: tuple[type[Volume.Event], ...] = (*REQUESTS, Volume.StatusReset)
# The statuses in which the record says a volume is in its server's guest.
IN_GUEST = frozenset({S.ATTACHING, S.IN_USE, S.DETACHING, S.EXTENDING})


@dataclass(frozen=True)
class VolumeStep:
    op: str  # "attach", "detach", "attach_failed" (without trying), "detached" (nothing left)
    reason: str = ""


ATTACH, DETACH, RELEASED = VolumeStep("attach"), VolumeStep("detach"), VolumeStep("detached")


def target_of(device: str) -> str:
    """The guest's target dev of an API device path: "/dev/vdb" -> "vdb"."""
    return device.rsplit("/", 1)[-1]


def decide(volume: Volume, instance: Instance | None, me: str) -> VolumeStep | None:
    """What this host must do for the volume now; pure, so every branch is a unit test."""
    attachment = volume.attachment
    if volume.deleted or attachment is None:
        return None
    server_live = instance is not None and not instance.deleted
    host = instance.host if instance is not None and server_live else attachment.get("host")
    if host != me:
        return None
    if volume.status is S.ATTACHING:
        if server_live and volume.boot_of == attachment["server_id"]:
            return None  # a root disk: its server's spawn attaches it (root_volumes.py)
        if not server_live:
            return VolumeStep("attach_failed", f"Instance {attachment['server_id']} is gone.")
        if not volume.path:
            return VolumeStep("attach_failed", f"Volume {volume.id} has no backing file.")
        return ATTACH
    if volume.status is S.DETACHING:
        return DETACH if server_live else RELEASED
    return None


def guest_volumes(app: SkyLedger, instance: Instance) -> tuple[GuestVolume, ...]:
    """The instance's volumes that a guest built for it now must hold: attached, or on their
    way in or out (the worker completes either on the new guest), with a file to show."""
    held = []
    for volume_id in instance.volumes:
        volume = live(app, volume_id, Volume)
        if isinstance(volume, Volume) and volume.status in IN_GUEST and volume.path and \
                volume.attached_to(instance.id.hex):
            device = (volume.attachment or {})["device"]
            held.append(GuestVolume(volume.id, Path(volume.path), target_of(device)))
    return tuple(held)


class VolumeAttacher:
    """Acts on one host's share of the volume requests, through the hypervisor backend."""

    def __init__(self, app: SkyLedger, hypervisor: Hypervisor, volumes: VolumeOutcomes,
                 host: str, user_id: str) -> None:
        self.app, self.hypervisor, self.volumes = app, hypervisor, volumes
        self.host, self.user_id = host, user_id

    def handle(self, event: Entity.Event) -> bool:
        """Act on a volume request event if it concerns this host; True when it did."""
        if not isinstance(event, REQUESTS):
            return False
        volume = live(self.app, event.originator_id, Volume)
        if not isinstance(volume, Volume):
            return False
        found = live(self.app, (volume.attachment or {}).get("server_id") or "", Instance)
        step = decide(volume, found if isinstance(found, Instance) else None, self.host)
        if step is None or self.superseded(event):
            return False
        meta = getattr(event, "meta", None) or {}
        ctx = RequestContext(user_id=self.user_id, project_id=meta.get("project_id"),
                             request_id=str(meta.get("request_id") or "req-unknown"))
        log.info("host %s: %s volume %s (%s)", self.host, step.op, volume.id, ctx.request_id)
        with recording(ctx) as traced:  # its outcome events carry what was done
            self.execute(step, volume, traced)
        return True

    def superseded(self, event: Entity.Event) -> bool:
        later = self.app.repository.event_store.get(event.originator_id,
                                                    gt=event.originator_version)
        return any(isinstance(e, SUPERSEDING) for e in later)

    def execute(self, step: VolumeStep, volume: Volume, ctx: RequestContext) -> None:
        attachment = dict(volume.attachment or {})
        attachment_id, server_id = attachment["attachment_id"], UUID(attachment["server_id"])
        if step.op == "attach":
            self.attach(volume, server_id, attachment, ctx)
        elif step.op == "detach":
            self.detach(volume, server_id, attachment_id, ctx)
        elif step.op == "attach_failed":
            self.volumes.attach_failed(ctx, volume.id, attachment_id, step.reason)
        else:
            self.volumes.detached(ctx, volume.id, attachment_id)

    def attach(self, volume: Volume, server_id: UUID, attachment: dict[str, Any],
               ctx: RequestContext) -> None:
        try:
            target = self.hypervisor.attach_volume(server_id, volume.id, Path(str(volume.path)),
                                                   target_of(attachment["device"]))
        except HypervisorError as error:
            self.undo_attach(server_id, volume.id)
            self.volumes.attach_failed(ctx, volume.id, attachment["attachment_id"],
                                       str(error) or type(error).__name__)
            return
        self.volumes.attached(ctx, volume.id, attachment["attachment_id"], self.host,
                              f"/dev/{target}")

    def undo_attach(self, server_id: UUID, volume_id: UUID) -> None:
        """Best effort: an attach that failed halfway (say, live refused after the persistent
        definition took the disk) must not leave the volume in a guest it is recorded out of."""
        try:
            self.hypervisor.detach_volume(server_id, volume_id)
        except HypervisorError as error:
            if not isinstance(error, GuestNotFound):
                log.warning("host %s: undoing the attach of %s to %s failed: %s", self.host,
                            volume_id, server_id, error)

    def detach(self, volume: Volume, server_id: UUID, attachment_id: str,
               ctx: RequestContext) -> None:
        try:
            self.hypervisor.detach_volume(server_id, volume.id)
        except GuestNotFound:
            pass  # no guest holds it any more (as Nova's detach of a vanished instance)
        except HypervisorError as error:
            self.volumes.detach_failed(ctx, volume.id, attachment_id,
                                       str(error) or type(error).__name__)
            return
        self.volumes.detached(ctx, volume.id, attachment_id)
