"""An image's data: streamed upload, staging for an import, the import itself (Glance's
interoperable image import), each refused when the bytes are not what `disk_format` says.

The bytes are staged (hashed into a temporary file) and inspected before anything is recorded.
Refused data kills the image (Glance's `killed`) with the reason, as the format-inspection
fixes of CVE-2024-32498 do: a "raw" image that is really a qcow2 pointing at a host file must
never reach a hypervisor. Accepted data is published under its hash and recorded with its
`ImageFile` hold in one save (see images.py for why under the hash's lock).

A glance-direct import into the `file` store runs within the request: the staged data is already
there, so there is nothing to wait for (into other stores: image_copies.py). Its task record is
saved with the image change it describes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol
from uuid import UUID

from domain.app import SkyLedger
from domain.backends import FormatMismatch, StoredBlob
from domain.catalog.image import Image
from domain.catalog.image_fields import LEGACY_STORE
from domain.catalog.image_file import ImageFile, image_file_id
from domain.catalog.image_task import ImageTask
from domain.commands import command
from domain.context import RequestContext
from domain.services.images import ImageFiles, ImageService, StagedBlob, uploaded

STORE = "file"  # the one store (Glance's `file` backend): /v2/info/stores lists it
IMPORT_METHODS = ("glance-direct", "copy-image")


class FormatInspector(Protocol):
    """Checks a staged file against the image's disk_format (adapters/format_inspector.py)."""

    def check(self, path: str, disk_format: str) -> None:
        """Raise FormatMismatch with the reason when the file must be refused."""


class ImageDataService:
    def __init__(self, app: SkyLedger, images: ImageService, inspector: FormatInspector) -> None:
        self.app, self.images, self.inspector = app, images, inspector

    def upload(self, ctx: RequestContext, image_id: UUID, chunks: Iterator[bytes],
               files: ImageFiles, max_size: int, store: str = LEGACY_STORE) -> Image:
        """Stream data into a queued image, in the store `files` is (named `store`); refused
        before a byte is read if it cannot take it."""
        def record(ctx: RequestContext, image_id: UUID, blob: StoredBlob) -> Image:
            return self.record_upload(ctx, image_id, blob, store)

        return self._take(ctx, image_id, chunks, files, max_size, record, store)

    def stage(self, ctx: RequestContext, image_id: UUID, chunks: Iterator[bytes],
              files: ImageFiles, max_size: int) -> Image:
        """Stage data for a later glance-direct import: the image becomes `uploading`."""
        return self._take(ctx, image_id, chunks, files, max_size, self.record_stage)

    def _take(self, ctx: RequestContext, image_id: UUID, chunks: Iterator[bytes],
              files: ImageFiles, max_size: int,
              record: Callable[[RequestContext, UUID, StoredBlob], Image],
              store: str = LEGACY_STORE) -> Image:
        image = self.images.owned(ctx, image_id)
        image.check_uploadable()
        staged = files.stage(chunks, max_size)
        try:
            self._inspect(ctx, image, staged)
            content_hash = staged.blob.content_hash
            with files.locked(content_hash):
                files.publish(staged)
                try:
                    return record(ctx, image_id, staged.blob)
                except BaseException:
                    # e.g. another upload to this image won: drop the file unless someone holds it
                    self.images._remove_unheld(files, content_hash, store)
                    raise
        finally:
            files.discard(staged)

    def _inspect(self, ctx: RequestContext, image: Image, staged: StagedBlob) -> None:
        try:
            self.inspector.check(staged.path, image.disk_format or "")
        except FormatMismatch as refusal:
            self.kill(ctx, image.id, str(refusal))
            raise

    @command
    def record_upload(self, ctx: RequestContext, image_id: UUID, blob: StoredBlob,
                      store: str = LEGACY_STORE) -> Image:
        image = self.images.owned(ctx, image_id)
        recorded = uploaded(self.app, image, blob)
        image.stored_in([store])
        self.app.save(*recorded)
        return image

    @command
    def record_stage(self, ctx: RequestContext, image_id: UUID, blob: StoredBlob) -> Image:
        image = self.images.owned(ctx, image_id)
        image.stage(blob.size, blob.md5, blob.sha512, blob.content_hash)
        file = self.app.find(image_file_id(blob.content_hash)) or ImageFile(blob.content_hash)
        file.hold(image.id.hex)
        self.app.save(image, file)
        return image

    @command
    def kill(self, ctx: RequestContext, image_id: UUID, reason: str) -> None:
        image = self.images.owned(ctx, image_id)
        if image.status == "queued":
            image.kill(reason)
            self.app.save(image)

    @command
    def import_image(self, ctx: RequestContext, image_id: UUID, method: str,
                     request: dict[str, Any]) -> ImageTask:
        """Run an import request (already validated) and record its task."""
        image = self.images.owned(ctx, image_id)
        image.check_importable(method)
        task = ImageTask(image.id.hex, image.owner, {
            "image_id": str(image.id), "import_req": request, "backend": [STORE]})
        if method == "glance-direct":
            image.import_staged()
        image.mark_imported()
        task.succeed({"image_id": str(image.id)})
        self.app.save(image, task)
        return task
