"""The root disk of a volume-backed server, as its compute worker spawns it.

A root volume made from an image at the boot (domain/services/compute/boot_volumes.py) is made
here, through the host's volume backend, just before the guest is defined: as Nova's compute
manager has Cinder make it at build time. The backend is idempotent by volume id, so a spawn
replayed after a crash finds the volume it made; the volume's path is reported with the
server's Spawned (OutcomeService.spawned). An existing volume is used where it is.

When the spawn fails, the root volume this host made for it is deleted from its pool before
the failure is recorded (`discard`): the server is rescheduled to a host whose pool this one is
not, or ends in ERROR, and either way no file of it may stay here. Nova's compute manager
detaches the volume there and lets the next host reuse it (Cinder volumes are reachable from
every host); here the next host makes it again, under the same id and the same quota claim.
A volume that existed before the boot (the user's) is never deleted here.
"""

from __future__ import annotations

import logging
from pathlib import Path
from uuid import UUID

from domain.app import SkyLedger
from domain.compute.backends import GuestVolume
from domain.compute.copies import ImageCopy
from domain.compute.instance import Instance
from domain.process.backends import ImageFiles
from domain.process.compute.specs import SpawnRefused
from domain.process.storage.plans import QEMU_FORMATS
from domain.services.storage.lookup import live
from domain.storage.backends import RootVolumeBackend, VolumeBackendError
from domain.storage.volume import Volume
from domain.storage.volume_states import VolumeStatus

log = logging.getLogger(__name__)

ROOT_TARGET = "vda"


class RootVolumes:
    def __init__(self, app: SkyLedger, backend: RootVolumeBackend | None, files: ImageFiles,
                 host: str) -> None:
        """`backend`: this host's storage pool; None where the host has none (a volume-backed
        server then cannot spawn here whose root volume is still to be made)."""
        self.app, self.backend, self.files, self.host = app, backend, files, host
        self.remade: dict[UUID, Path] = {}  # re-imaged here, until the volume records it

    def guest_volume(self, instance: Instance) -> GuestVolume | None:
        """The root disk of the instance's guest if it boots from a volume, made if new."""
        volume_id = instance.root_volume
        if volume_id is None:
            return None
        volume = live(self.app, volume_id, Volume)
        if not isinstance(volume, Volume) or not volume.is_root_of(instance.id.hex):
            raise SpawnRefused(f"Root volume {volume_id} of instance {instance.id} is not "
                               "available.")
        path = self.remade.get(volume.id) or (Path(volume.path) if volume.path else None)
        if path is not None:
            return GuestVolume(volume.id, path, ROOT_TARGET)
        return GuestVolume(volume.id, self.make(volume), ROOT_TARGET)

    def make(self, volume: Volume, image: ImageCopy | None = None) -> Path:
        """The volume made in this host's pool from `image` (the volume's own by default)."""
        backend = self.backend
        if backend is None:
            raise SpawnRefused(f"Host {self.host} has no volume backend to make root volume "
                               f"{volume.id}.")
        image = image if image is not None else (volume.image or {})
        content_hash = str(image.get("content_hash") or "")
        if not content_hash or not self.files.exists(content_hash):
            raise SpawnRefused(f"Image file of image {image.get('id')} is not available on "
                               f"host {self.host}.")
        try:
            made = backend.create(volume.id, volume.size, Path(self.files.path(content_hash)),
                                       QEMU_FORMATS.get(str(image.get("disk_format"))))
        except VolumeBackendError as error:
            raise SpawnRefused(f"Root volume {volume.id} could not be made: {error}") from error
        return made.path

    def reimage(self, instance: Instance, image: ImageCopy) -> str:
        """A rebuild from 2.93 (domain/services/compute/volume_rebuild.py): the root volume
        made again from `image` under its id, its old data gone, as Cinder's reimage writes the
        image over it; answers its path. The guest is destroyed already. A replay after a crash
        makes it again from the same image. What is checked before the old volume goes (the
        backend, the image file) fails the rebuild with the volume as it was."""
        volume_id = instance.root_volume
        volume = live(self.app, volume_id, Volume) if volume_id else None
        if not isinstance(volume, Volume) or not volume.is_root_of(instance.id.hex):
            raise SpawnRefused(f"Root volume {volume_id} of instance {instance.id} is not "
                               "available.")
        content_hash = str(image.get("content_hash") or "")
        if self.backend is None or not content_hash or not self.files.exists(content_hash):
            return str(self.make(volume, image))  # refused, nothing touched
        try:
            self.backend.delete(volume.id)
        except VolumeBackendError as error:
            raise SpawnRefused(f"Root volume {volume.id} could not be re-imaged: {error}") \
                from error
        self.remade[volume.id] = self.make(volume, image)
        return str(self.remade[volume.id])

    def discard(self, instance: Instance) -> None:
        """After a failed spawn: delete the instance's new root volume from this host's pool
        if it is still to be made (nothing recorded it made; any file of it is this host's
        half-done work). Best effort, as every undo step: a failure here is logged and the
        spawn's failure is still recorded."""
        volume_id = instance.root_volume
        volume = live(self.app, volume_id, Volume) if volume_id else None
        if self.backend is None or not isinstance(volume, Volume) or \
                volume.status is not VolumeStatus.CREATING or not volume.is_root_of(
                    instance.id.hex):
            return
        try:
            self.backend.delete(volume.id)
        except VolumeBackendError as error:
            log.warning("host %s: root volume %s of failed spawn %s not deleted: %s",
                        self.host, volume.id, instance.id, error)
