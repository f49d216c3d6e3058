"""os-volume_upload_image: a volume's data becomes a new image of the caller's project.

The request saves the queued image with the volume, now uploading (volume_uploads.py), so there
is never an image without the upload that fills it, nor the reverse. The volume's storage worker
copies the data into the image store in the image's disk format; its outcome records the file
on the image in the same save as the volume's return to the status it had. A failed copy
deletes the image, as Cinder's volume manager does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from domain.app import SkyLedger
from domain.backends import StoredBlob
from domain.catalog.image import Image
from domain.catalog.image_fields import check_fields
from domain.commands import changed, command
from domain.context import RequestContext
from domain.services.compute.image_capture import snapshot_failed, snapshot_saved
from domain.services.storage.lookup import Lookup, live
from domain.services.storage.outcomes import failed
from domain.storage.user_message import UPLOAD_FAILED, UserMessage
from domain.storage.volume import Volume

# Glance's core properties, which Cinder does not copy from the volume's image metadata
# (glance_core_properties): the new image has its own.
CORE_PROPERTIES = ("checksum", "container_format", "disk_format", "image_name", "image_id",
                   "min_disk", "min_ram", "name", "size")


@dataclass(frozen=True)
class UploadRequest:
    image_name: str
    disk_format: str = "raw"
    container_format: str = "bare"
    visibility: str = "private"
    protected: bool = False


class VolumeUploadCommands(Lookup):
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def upload_to_image(self, ctx: RequestContext, volume_id: UUID | str,
                        req: UploadRequest) -> tuple[Volume, Image]:
        volume = self.volume(ctx, volume_id)
        check_fields({"visibility": req.visibility, "disk_format": req.disk_format,
                      "container_format": req.container_format}, {})
        source = dict((volume.image or {}).get("properties") or {})
        properties = {k: str(v) for k, v in source.items() if k not in CORE_PROPERTIES}
        image = Image(req.image_name, str(ctx.project_id), req.visibility, req.disk_format,
                      req.container_format, 0, 0, req.protected, [], properties)
        volume.request_upload(image.id.hex)
        self.app.save(volume, image)
        return volume, image

    @command
    def uploaded(self, ctx: RequestContext, volume_id: UUID | str, image_id: str,
                 blob: StoredBlob) -> None:
        """The worker stored the volume's data: the image becomes active with it."""
        volume = live(self.app, volume_id, Volume)
        stored: Sequence[object] = snapshot_saved(self.app, image_id, blob)
        if isinstance(volume, Volume):
            volume.uploaded(image_id)
        self.app.save(*changed(*(volume, *stored)))

    @command
    def upload_failed(self, ctx: RequestContext, volume_id: UUID | str, image_id: str,
                      reason: str) -> None:
        volume = live(self.app, volume_id, Volume)
        messages: list[UserMessage] = []
        if isinstance(volume, Volume):
            volume.upload_failed(image_id, reason)
            messages = failed(ctx, volume, UPLOAD_FAILED)
        self.app.save(*changed(volume, *snapshot_failed(self.app, image_id), *messages))
