"""A server's root volume written again from an image: a volume-backed server's rebuild from
compute 2.93 (Cinder's os-reimage, as Nova's compute manager asks it).

The compute worker writes the image over the volume (domain/process/compute/root_volumes.py)
and the rebuild's success records it here, in the same save as the server's: the volume's image
becomes the new one (its volume_image_metadata shows that image, any glance metadata set by
hand before is dropped, as Cinder replaces it) and its path where the pool has it now. A
replayed report finds the volume holding that image already and records nothing. The base of
`Volume` (domain/storage/volume.py).
"""

from __future__ import annotations

from eventsourcing.domain import event

from domain.base import Entity
from domain.compute.copies import ImageCopy
from domain.storage.volume_bookkeeping import VolumeBookkeeping


class VolumeReimages(VolumeBookkeeping):
    path: str | None
    bootable: bool

    def reimaged(self, image: ImageCopy, path: str | None) -> None:
        if self.image != image or (path and path != self.path) or \
                getattr(self, "image_metadata", None) is not None:
            self._reimaged(image, path)

    class Reimaged(Entity.Event):
        image: ImageCopy
        path: str | None  # None: where it was

    @event(Reimaged)
    def _reimaged(self, image: ImageCopy, path: str | None) -> None:
        self.image, self.bootable, self.image_metadata = image, True, None
        self.path = path or self.path
