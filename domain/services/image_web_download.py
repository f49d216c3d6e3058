"""Glance's `web-download` import: the request (API side) and its outcomes (the image import
process manager's side, domain/process/images/web_download.py).

The request only records intent: the image goes `importing` and an import task is created, in
one save. The process manager then fetches the URI into the image store: the bytes are staged
(hashed into a temporary file), checked by the same format inspector as an upload, published
under their hash and recorded with the `ImageFile` hold in one save, under the hash's lock (as
image_data.py does for uploads). Any failure (the download, the size cap, the inspector) puts
the image back to `queued` with `os_glance_failed_import` naming the store, and fails the task,
as Glance does. Outcomes are recorded only while the image still waits for that task, so a
replay after a crash records nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.backends import StoredBlob
from domain.catalog.image import Image
from domain.catalog.image_file import ImageFile, image_file_id
from domain.catalog.image_task import ImageTask
from domain.commands import command
from domain.context import RequestContext
from domain.services.image_data import STORE, FormatInspector
from domain.services.images import ImageFiles, ImageService


class WebDownloadService:
    def __init__(self, app: SkyLedger, images: ImageService, inspector: FormatInspector) -> None:
        self.app, self.images, self.inspector = app, images, inspector

    @command
    def request(self, ctx: RequestContext, image_id: UUID, uri: str,
                body: dict[str, Any]) -> ImageTask:
        """Start a web-download import of `uri` (already through the import filter)."""
        image = self.images.owned(ctx, image_id)
        task = ImageTask(image.id.hex, image.owner, {
            "image_id": str(image.id), "import_req": body, "backend": [STORE]})
        image.start_download(task.id.hex, uri, STORE)
        self.app.save(image, task)
        return task

    def waiting(self, image_id: UUID, task_id: str) -> Image | None:
        """The image, while it still waits for the download of task `task_id`."""
        image = self.app.find(image_id)
        if isinstance(image, Image) and not image.deleted and image.downloading(task_id):
            return image
        return None

    def store(self, ctx: RequestContext, image: Image, task_id: str, chunks: Iterator[bytes],
              files: ImageFiles, max_size: int) -> None:
        """Take the downloaded bytes in; FormatMismatch or BlobTooLarge when refused (the
        caller records the failure)."""
        staged = files.stage(chunks, max_size)
        try:
            self.inspector.check(staged.path, image.disk_format or "")
            content_hash = staged.blob.content_hash
            with files.locked(content_hash):
                files.publish(staged)
                if not self.downloaded(ctx, image.id, task_id, staged.blob):
                    self.images._remove_unheld(files, content_hash)
        finally:
            files.discard(staged)

    @command
    def downloaded(self, ctx: RequestContext, image_id: UUID, task_id: str,
                   blob: StoredBlob) -> bool:
        """Record the data; False (nothing recorded) when the image no longer waits for it."""
        image = self.waiting(image_id, task_id)
        task = self.app.find(UUID(task_id))
        if image is None or not isinstance(task, ImageTask):
            self._orphaned(task)
            return False
        image.finish_download(task_id, {"size": blob.size, "checksum": blob.md5,
                                        "sha512": blob.sha512,
                                        "content_hash": blob.content_hash})
        file = self.app.find(image_file_id(blob.content_hash)) or ImageFile(blob.content_hash)
        file.hold(image.id.hex)
        task.succeed({"image_id": str(image.id)})
        self.app.save(image, file, task)
        return True

    @command
    def failed(self, ctx: RequestContext, image_id: UUID, task_id: str, reason: str) -> None:
        image = self.waiting(image_id, task_id)
        task = self.app.find(UUID(task_id))
        if image is None or not isinstance(task, ImageTask):
            self._orphaned(task)
            return
        image.fail_download(task_id, reason)
        task.fail(reason)
        self.app.save(image, task)

    @command
    def abandon(self, ctx: RequestContext, image_id: UUID, task_id: str) -> bool:
        """Fail the task of a download whose image was deleted before it began; True when
        that was still to record."""
        task = self.app.find(UUID(task_id))
        if self.waiting(image_id, task_id) is not None or not isinstance(task, ImageTask):
            return False
        return self._orphaned(task)

    def _orphaned(self, task: object) -> bool:
        """A task whose image went away (deleted) while it was processing fails, as Glance's."""
        if not isinstance(task, ImageTask) or task.status != "processing":
            return False
        task.fail("The image was deleted during the import.")
        self.app.save(task)
        return True
