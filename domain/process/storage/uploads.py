"""The volume worker's part in os-volume_upload_image: copy a volume's data into the image store.

Level-triggered like the volume plans: an UploadRequested event says "look at this volume now",
and the volume's current state decides (still uploading that image, on this host: copy it). The
copy is written through the image store's put_file, which keeps it by its content hash, so a
replay after a crash stores the same file again and the outcome, recorded only while the volume
still uploads that image, is recorded once.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.catalog.image import Image
from domain.context import RequestContext
from domain.process.backends import ImageFiles
from domain.process.storage.plans import QEMU_FORMATS
from domain.services.storage.uploads import VolumeUploadCommands
from domain.storage.backends import VolumeBackend, VolumeBackendError
from domain.storage.volume import Volume
from domain.storage.volume_uploads import VolumeUploads

log = logging.getLogger(__name__)

EVENTS = (VolumeUploads.UploadRequested,)
TOPICS: tuple[str, ...] = tuple(get_topic(cls) for cls in EVENTS)


class UploadWork:
    def __init__(self, backend: VolumeBackend, files: ImageFiles,
                 uploads: VolumeUploadCommands, host: str) -> None:
        self.backend, self.files, self.uploads, self.host = backend, files, uploads, host

    def handles(self, event: Any) -> bool:
        return isinstance(event, EVENTS)

    def due(self, event: Any) -> tuple[Volume, Image] | None:
        """The volume and its image, when this event still asks this host to copy."""
        volume = self.uploads.app.find(event.originator_id)
        image = self.uploads.app.find(UUID(event.image_id))
        if not isinstance(volume, Volume) or volume.deleted or volume.host != self.host \
                or not volume.uploading(event.image_id) or not isinstance(image, Image):
            return None
        return volume, image

    def carry_out(self, volume: Volume, image: Image, ctx: RequestContext) -> None:
        image_id = image.id.hex
        target = QEMU_FORMATS.get(image.disk_format or "raw", "raw")
        log.info("host %s: upload volume %s to image %s as %s (%s)", self.host, volume.id,
                 image.id, target, ctx.request_id)
        try:
            blob = self.files.put_file(f"{volume.id}.{target}", lambda path:
                                       self.backend.export_image(volume.id, path, target))
        except VolumeBackendError as error:
            reason = str(error) or type(error).__name__
            log.warning("host %s: upload of volume %s failed: %s", self.host, volume.id, reason)
            self.uploads.upload_failed(ctx, volume.id, image_id, reason)
            return
        self.uploads.uploaded(ctx, volume.id, image_id, blob)
