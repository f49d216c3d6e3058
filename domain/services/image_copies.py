"""Copies of an image's data between stores (Glance's enabled_backends): the `stores` and
`all_stores` of a glance-direct import, done within the request (the staged file is already
here, as for one store: image_data.py), and copy-image, which the request only records; the
image import process manager (domain/process/images/copy_image.py) copies into each store and
records each outcome here.

A copy is staged in the target store, published under its hash and recorded under that store's
lock for the hash, as an upload is (images.py), so a concurrent deletion's collection cannot
remove a copy just recorded. Outcomes are recorded only while the image still waits for them,
so a replay after a crash records nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any, BinaryIO, Protocol
from uuid import UUID

from domain.app import SkyLedger
from domain.catalog.image import Image
from domain.catalog.image_fields import LEGACY_STORE
from domain.catalog.image_task import ImageTask
from domain.commands import command
from domain.context import RequestContext
from domain.services.images import ImageFiles, ImageService, StagedBlob

CHUNK = 1 << 20
NO_LIMIT = 1 << 62  # the data was checked against the size cap when it came in


class StoreFiles(ImageFiles, Protocol):
    def open(self, content_hash: str) -> BinaryIO: ...


# The files of a store by its id (adapters/image_stores.py's ImageStores.get).
FilesOf = Callable[[str], StoreFiles]


def staged_copy(source: StoreFiles, target: StoreFiles, content_hash: str) -> StagedBlob:
    with source.open(content_hash) as data:
        chunks: Iterator[bytes] = iter(lambda: data.read(CHUNK), b"")
        return target.stage(chunks, NO_LIMIT)


class ImageCopyService:
    def __init__(self, app: SkyLedger, images: ImageService) -> None:
        self.app, self.images = app, images

    def import_staged(self, ctx: RequestContext, image_id: UUID, request: dict[str, Any],
                      stores: list[str], files_of: FilesOf) -> None:
        """glance-direct into `stores`: the staged file (in the legacy store) is copied into
        each other one, all recorded at once under each target's lock."""
        image = self.images.owned(ctx, image_id)
        image.check_importable("glance-direct")
        content_hash = image.content_hash or ""
        legacy = files_of(LEGACY_STORE)
        copies = [(files_of(s), staged_copy(legacy, files_of(s), content_hash))
                  for s in sorted(stores) if s != LEGACY_STORE]
        try:
            with ExitStack() as locks:  # sorted: two imports never wait on each other
                for target, staged in copies:
                    locks.enter_context(target.locked(content_hash))
                    target.publish(staged)
                self.record_import(ctx, image_id, request, stores)
        finally:
            for target, staged in copies:
                target.discard(staged)
        if LEGACY_STORE not in stores:  # the staged file is no longer needed there
            self.images.collect(legacy, content_hash, LEGACY_STORE)

    @command
    def record_import(self, ctx: RequestContext, image_id: UUID, request: dict[str, Any],
                      stores: list[str]) -> None:
        image = self.images.owned(ctx, image_id)
        task = ImageTask(image.id.hex, image.owner, {
            "image_id": str(image.id), "import_req": request, "backend": stores})
        image.import_staged()
        image.stored_in(stores)
        image.mark_imported()
        task.succeed({"image_id": str(image.id)})
        self.app.save(image, task)

    @command
    def request_copy(self, ctx: RequestContext, image_id: UUID, request: dict[str, Any],
                     stores: list[str]) -> ImageTask | None:
        """copy-image into `stores` (those the image is not in yet); None: nothing to copy."""
        image = self.images.get(ctx, image_id)
        if not stores:
            image.mark_imported()
            self.app.save(image)
            return None
        task = ImageTask(image.id.hex, image.owner, {
            "image_id": str(image.id), "import_req": request, "backend": stores})
        image.start_copy(task.id.hex, stores)
        self.app.save(image, task)
        return task

    def waiting(self, image_id: UUID, task_id: str, store: str) -> Image | None:
        image = self.app.find(image_id)
        if isinstance(image, Image) and not image.deleted and image.copying(task_id, store):
            return image
        return None

    def copy(self, ctx: RequestContext, image: Image, task_id: str, store: str,
             files_of: FilesOf) -> None:
        """Copy the data from a store holding it into `store` and record it (OSError: the
        caller records the failure)."""
        content_hash, target = image.content_hash or "", files_of(store)
        staged = staged_copy(files_of(image.stores[0]), target, content_hash)
        try:
            with target.locked(content_hash):
                target.publish(staged)
                if not self.copied(ctx, image.id, task_id, store, True):
                    self.images._remove_unheld(target, content_hash, store)
        finally:
            target.discard(staged)

    @command
    def copied(self, ctx: RequestContext, image_id: UUID, task_id: str, store: str,
               done: bool) -> bool:
        """Record one store's outcome; False when the image no longer waits for it."""
        image = self.waiting(image_id, task_id, store)
        if image is None:
            return False
        image.copy_done(task_id, store, done)
        task = self.app.find(UUID(task_id))
        finished = not image.copying_any(task_id)
        if finished and isinstance(task, ImageTask):
            must = task.task_input.get("import_req", {}).get("all_stores_must_succeed", True)
            if image.copy_failures and must is not False:
                task.fail(f"Copying to {', '.join(image.copy_failures)} failed.")
            else:
                task.succeed({"image_id": str(image.id)})
        self.app.save(image, *([task] if finished and task is not None else []))
        return True
