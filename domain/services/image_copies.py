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

import logging
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
from domain.errors import DomainError, InvalidInput
from domain.services.images import ImageFiles, ImageService, StagedBlob

log = logging.getLogger(__name__)

CHUNK = 1 << 20
NO_LIMIT = 1 << 62  # the data was checked against the size cap when it came in


class StoreFiles(ImageFiles, Protocol):
    def open(self, content_hash: str) -> BinaryIO: ...

    def stage_from(self, staged: StagedBlob) -> StagedBlob: ...


class CopyMismatch(DomainError):
    """The data a copy read is not the image's (a damaged file in the source store)."""


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
        each other one, all recorded at once under each target's lock. A store that cannot
        take its copy fails the import (the image stays staged, for another try) unless
        all_stores_must_succeed is false and another store took it."""
        image = self.images.owned(ctx, image_id)
        image.check_importable("glance-direct")
        content_hash = image.content_hash or ""
        legacy = files_of(LEGACY_STORE)
        all_must = request.get("all_stores_must_succeed", True) is not False
        copies: list[tuple[StoreFiles, StagedBlob]] = []
        failed: list[str] = []
        try:
            for store in sorted(s for s in stores if s != LEGACY_STORE):
                try:
                    copies.append((files_of(store), staged_copy(legacy, files_of(store),
                                                                content_hash)))
                except OSError as error:  # an unwritable store
                    log.warning("glance-direct of image %s into store %s failed: %s",
                                image_id, store, error)
                    failed.append(store)
                    if all_must:
                        break
            took = [s for s in stores if s not in failed]
            if failed and (all_must or not took):
                self.record_failure(ctx, image_id, request, stores, failed)
                return
            with ExitStack() as locks:  # sorted: two imports never wait on each other
                for target, staged in copies:
                    locks.enter_context(target.locked(content_hash))
                    target.publish(staged)
                self.record_import(ctx, image_id, request, stores, failed)
        finally:
            for target, staged in copies:
                target.discard(staged)
        if LEGACY_STORE not in took:  # the staged file is no longer needed there
            self.images.collect(legacy, content_hash, LEGACY_STORE)

    @command
    def record_import(self, ctx: RequestContext, image_id: UUID, request: dict[str, Any],
                      stores: list[str], failed: list[str]) -> None:
        image = self.images.owned(ctx, image_id)
        task = ImageTask(image.id.hex, image.owner, {
            "image_id": str(image.id), "import_req": request, "backend": stores})
        image.import_staged()
        image.stored_in([s for s in stores if s not in failed])
        image.mark_imported(failed)
        task.succeed({"image_id": str(image.id)})
        self.app.save(image, task)

    @command
    def record_failure(self, ctx: RequestContext, image_id: UUID, request: dict[str, Any],
                       stores: list[str], failed: list[str]) -> None:
        """The import's task fails; the image keeps its staged data and lists the stores."""
        image = self.images.owned(ctx, image_id)
        task = ImageTask(image.id.hex, image.owner, {
            "image_id": str(image.id), "import_req": request, "backend": stores})
        image.mark_imported(failed)
        task.fail(f"Importing to {', '.join(failed)} failed.")
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
        """Copy the data from a store holding it into `store` and record it (OSError or
        CopyMismatch: the caller records the failure). What was written is removed whatever
        happens: only a complete copy, checked against the image's hash, is published."""
        content_hash, target = image.content_hash or "", files_of(store)
        source = image.stores[0]
        staged = staged_copy(files_of(source), target, content_hash)
        try:
            if staged.blob.content_hash != content_hash:  # as Glance's _verify_uploaded_data
                raise CopyMismatch(f"The data read from store {source} is not image "
                                   f"{image.id}'s: its sha256 differs.")
            with target.locked(content_hash):
                target.publish(staged)
                if not self.copied(ctx, image.id, task_id, store):
                    self.images._remove_unheld(target, content_hash, store)
        finally:
            target.discard(staged)

    @command
    def copied(self, ctx: RequestContext, image_id: UUID, task_id: str, store: str) -> bool:
        """Record one store's copy; False when the image no longer waits for it."""
        image = self.waiting(image_id, task_id, store)
        if image is None:
            return False
        image.copy_done(task_id, store)
        self._settle(image, task_id, None)
        return True

    @command
    def failed(self, ctx: RequestContext, image_id: UUID, task_id: str, store: str,
               reason: str) -> list[str]:
        """Record that the copy into `store` failed. Unless all_stores_must_succeed is false
        this ends the import and fails its task, as Glance's flow reverts: the stores returned
        are those the import had copied to, whose files `tidy` removes."""
        image = self.waiting(image_id, task_id, store)
        if image is None:
            return []
        task = self.app.find(UUID(task_id))
        request = task.task_input.get("import_req", {}) if isinstance(task, ImageTask) else {}
        revert = request.get("all_stores_must_succeed", True) is not False
        reverted = image.copy_failed(task_id, store, revert)
        self._settle(image, task_id, f"Copying to {store} failed: {reason}" if revert else None)
        return reverted

    def _settle(self, image: Image, task_id: str, failure: str | None) -> None:
        """Save the image, and its task with it when the import is over."""
        task = self.app.find(UUID(task_id))
        if image.copying_any(task_id) or not isinstance(task, ImageTask):
            self.app.save(image)
            return
        if failure:
            task.fail(failure)
        else:
            task.succeed({"image_id": str(image.id)})
        self.app.save(image, task)

    def tidy(self, image_id: UUID, stores: list[str], files_of: FilesOf) -> None:
        """Remove the image's file from each of `stores` that no image holds it in any more
        (checked under each store's lock for the hash): the stores a failed import reverted,
        also after a crash between the revert's record and this. Deleted images' files went
        with their deletion."""
        image = self.app.find(image_id)
        if not isinstance(image, Image) or image.deleted or not image.content_hash:
            return
        for store in stores:
            if not image.holds_in(store):
                try:
                    self.images.collect(files_of(store), image.content_hash, store)
                except (OSError, InvalidInput) as error:  # a broken or unknown store
                    log.warning("image %s: store %s not tidied: %s", image.id, store, error)
