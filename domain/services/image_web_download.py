"""Glance's `web-download` import: the request (API side) and its outcomes (the image import
process manager's side, domain/process/images/web_download.py).

The request only records intent: the image goes `importing` to the stores it names (Glance's
`stores`, `all_stores`, the X-Image-Meta-Store header or the default store) and an import task
is created, in one save. The process manager then fetches the URI: the bytes are staged (hashed
into a temporary file in the `file` store's directory, as Glance stages them), checked by the
same format inspector as an upload, copied into each other store, published under their hash
and recorded with the `ImageFile` hold in one save, under each store's lock for the hash (as
image_data.py does for uploads). A store that cannot take the copy fails the import unless
all_stores_must_succeed is false (then the image is active in the others and the store is in
`os_glance_failed_import`). A failed import (the download, the size cap, the inspector, a
store) puts the image back to `queued` with every store in `os_glance_failed_import` and fails
the task, as Glance's download revert does. Outcomes are recorded only while the image still
waits for that task, so a replay after a crash records nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.backends import StoredBlob
from domain.catalog.image import Image
from domain.catalog.image_fields import LEGACY_STORE
from domain.catalog.image_file import ImageFile, image_file_id
from domain.catalog.image_stores import joined
from domain.catalog.image_task import ImageTask
from domain.commands import command
from domain.context import RequestContext
from domain.errors import DomainError, InvalidInput
from domain.services.image_copies import FilesOf, StoreFiles
from domain.services.image_data import FormatInspector
from domain.services.images import ImageService, StagedBlob


class StoresFailed(DomainError):
    """The downloaded data could not go to the stores the import needed."""


class WebDownloadService:
    def __init__(self, app: SkyLedger, images: ImageService, inspector: FormatInspector) -> None:
        self.app, self.images, self.inspector = app, images, inspector

    @command
    def request(self, ctx: RequestContext, image_id: UUID, uri: str, body: dict[str, Any],
                stores: list[str]) -> ImageTask:
        """Start a web-download import of `uri` (already through the import filter) into
        `stores`."""
        image = self.images.owned(ctx, image_id)
        task = ImageTask(image.id.hex, image.owner, {
            "image_id": str(image.id), "import_req": body, "backend": list(stores)})
        image.start_download(task.id.hex, uri, joined(stores))
        self.app.save(image, task)
        return task

    def waiting(self, image_id: UUID, task_id: str) -> Image | None:
        """The image, while it still waits for the download of task `task_id`."""
        image = self.app.find(image_id)
        if isinstance(image, Image) and not image.deleted and image.downloading(task_id):
            return image
        return None

    def store(self, ctx: RequestContext, image: Image, task_id: str, chunks: Iterator[bytes],
              files_of: FilesOf, max_size: int) -> None:
        """Take the downloaded bytes into the image's stores; FormatMismatch, BlobTooLarge or
        StoresFailed when refused (the caller records the failure)."""
        staging = files_of(LEGACY_STORE)
        staged = staging.stage(chunks, max_size)
        copies: dict[str, tuple[StoreFiles, StagedBlob]] = {}
        try:
            self.inspector.check(staged.path, image.disk_format or "")
            failed = self._copy(image, task_id, staging, staged, files_of, copies)
            content_hash = staged.blob.content_hash
            with ExitStack() as locks:  # sorted: two imports never wait on each other
                for store in sorted(copies):
                    files, copy = copies[store]
                    locks.enter_context(files.locked(content_hash))
                    files.publish(copy)
                if not self.downloaded(ctx, image.id, task_id, staged.blob, sorted(copies),
                                       failed):
                    for store, (files, _) in copies.items():
                        self.images._remove_unheld(files, content_hash, store)
        finally:
            staging.discard(staged)
            for files, copy in copies.values():
                files.discard(copy)

    def _copy(self, image: Image, task_id: str, staging: StoreFiles, staged: StagedBlob,
              files_of: FilesOf, copies: dict[str, tuple[StoreFiles, StagedBlob]]) -> list[str]:
        """Stage the data in each store the import goes to (the staged file itself for the
        `file` store), into `copies`; the stores that failed, when they may."""
        task = self.app.find(UUID(task_id))
        request = task.task_input.get("import_req", {}) if isinstance(task, ImageTask) else {}
        all_must = request.get("all_stores_must_succeed", True) is not False
        failed: list[str] = []
        for store in image.importing_to:
            try:
                files = files_of(store)
                copies[store] = (files, staged if files is staging else files.stage_from(staged))
            except (OSError, InvalidInput) as error:  # an unwritable or unknown store
                if all_must:
                    raise StoresFailed(f"Importing to store {store} failed: {error}") from None
                failed.append(store)
        if not copies:
            raise StoresFailed(f"None of the stores {', '.join(failed)} took the data.")
        return failed

    @command
    def downloaded(self, ctx: RequestContext, image_id: UUID, task_id: str,
                   blob: StoredBlob, stores: list[str], failed: list[str]) -> bool:
        """Record the data; False (nothing recorded) when the image no longer waits for it."""
        image = self.waiting(image_id, task_id)
        task = self.app.find(UUID(task_id))
        if image is None or not isinstance(task, ImageTask):
            self._orphaned(task)
            return False
        image.finish_download(task_id, {"size": blob.size, "checksum": blob.md5,
                                        "sha512": blob.sha512,
                                        "content_hash": blob.content_hash}, stores, failed)
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
