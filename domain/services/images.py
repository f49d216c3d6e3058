"""Image commands on metadata: register, patch, tag, deactivate, delete (data: image_data.py,
members: image_sharing.py).

Files are shared by content hash, so deleting an image removes its file only when no other image
holds it. Holding and releasing are events of `ImageFile`, saved with the image's upload or
deletion (one transaction). The physical steps that go with them, making a staged file the
content-addressed one and removing a file nobody holds, run under the store's lock for that
hash, so a deletion cannot remove a file that a concurrent upload of the same bytes just recorded.
A crash between storing a file and recording the upload leaves an unheld file: harmless, and
what a future garbage sweep (files no `ImageFile` holds) would reclaim.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from domain.app import SkyLedger
from domain.backends import StoredBlob
from domain.catalog.image import Image
from domain.catalog.image_fields import LEGACY_STORE, PatchOp, check_fields
from domain.catalog.image_file import ImageFile, image_file_id
from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import AlreadyExists, Forbidden, NotFound


@dataclass(frozen=True)
class StagedBlob:
    """Bytes received and hashed, in a temporary file not yet named by its hash."""

    blob: StoredBlob
    path: str


class ImageFiles(Protocol):
    """What uploads and deletions need of the file store (to join `BlobStore` in
    domain.backends)."""

    def stage(self, chunks: Iterator[bytes], max_size: int) -> StagedBlob: ...

    def publish(self, staged: StagedBlob) -> None: ...

    def discard(self, staged: StagedBlob) -> None: ...

    def remove(self, content_hash: str) -> None: ...

    def locked(self, content_hash: str) -> AbstractContextManager[None]: ...


def uploaded(app: SkyLedger, image: Image, blob: StoredBlob) -> list[Image | ImageFile]:
    """The image with its file recorded, and the file's record holding it: to save together."""
    image.upload(blob.size, blob.md5, blob.sha512, blob.content_hash)
    file = app.find(image_file_id(blob.content_hash)) or ImageFile(blob.content_hash)
    file.hold(image.id.hex)
    return [image, file]


class ImageService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    # Glance's default visibility since Ocata is "shared": members may be added, none are yet.
    @command
    def register(self, ctx: RequestContext, image_id: UUID | None, name: str | None, owner: str,
                 visibility: str = "shared", disk_format: str | None = None,
                 container_format: str | None = None, min_disk: int = 0, min_ram: int = 0,
                 protected: bool = False, tags: list[str] | None = None,
                 properties: dict[str, str] | None = None, os_hidden: bool = False) -> Image:
        check_fields({"visibility": visibility, "disk_format": disk_format,
                      "container_format": container_format, "tags": tags}, properties or {})
        if image_id is not None and self.app.find(image_id) is not None:
            raise AlreadyExists(f"An image with identifier {image_id} already exists")
        image = Image(name, owner, visibility, disk_format, container_format, min_disk, min_ram,
                      protected, tags or [], properties or {}, id=image_id)
        if os_hidden:
            image.update({"os_hidden": True})
        self.app.save(image)
        return image

    def get(self, ctx: RequestContext, image_id: UUID) -> Image:
        image = self.app.get(image_id, Image, "Image")
        if not image.visible_to(ctx.project_id, ctx.is_admin):
            raise NotFound(f"No image found with ID {image_id}")
        return image

    def owned(self, ctx: RequestContext, image_id: UUID) -> Image:
        image = self.get(ctx, image_id)
        if not ctx.is_admin and image.owner != ctx.project_id:
            raise Forbidden("You are not permitted to modify this image.")
        return image

    @command
    def patch(self, ctx: RequestContext, image_id: UUID, ops: list[PatchOp]) -> Image:
        # Applied to freshly loaded state inside the command, so a retried conflict re-applies
        # the patch rather than overwriting a concurrent change with stale values.
        image = self.owned(ctx, image_id)
        image.update(image.changes_for(ops), ctx.is_admin)
        self._save(image)
        return image

    @command
    def deactivate(self, ctx: RequestContext, image_id: UUID) -> Image:
        image = self.owned(ctx, image_id)
        image.deactivate()
        self._save(image)
        return image

    @command
    def reactivate(self, ctx: RequestContext, image_id: UUID) -> Image:
        image = self.owned(ctx, image_id)
        image.reactivate()
        self._save(image)
        return image

    @command
    def add_tag(self, ctx: RequestContext, image_id: UUID, tag: str) -> Image:
        image = self.owned(ctx, image_id)
        if tag not in image.tags:
            image.update({"tags": [*image.tags, tag]})
            self._save(image)
        return image

    @command
    def remove_tag(self, ctx: RequestContext, image_id: UUID, tag: str) -> Image:
        image = self.owned(ctx, image_id)
        if tag not in image.tags:
            raise NotFound(f"Tag {tag} not found on image {image_id}.")
        image.update({"tags": [t for t in image.tags if t != tag]})
        self._save(image)
        return image

    @command
    def delete(self, ctx: RequestContext, image_id: UUID) -> str | None:
        """Delete the image; returns the content hash of its file, for `collect` to remove from
        each store where no other image needs it."""
        image = self.owned(ctx, image_id)
        image.delete()
        file = self._file(image.content_hash)
        if file is not None and image.id.hex in file.holders:
            file.release(image.id.hex)
        self._save(image, file)
        return file.content_hash if file is not None else None

    @command
    def remove_store(self, ctx: RequestContext, image_id: UUID, store: str) -> str | None:
        """Glance's DELETE /v2/stores/{store}/{image}: the content hash, for `collect`."""
        image = self.owned(ctx, image_id)
        image.remove_store(store)
        self.app.save(image)
        return image.content_hash or None

    def collect(self, files: ImageFiles, content_hash: str, store: str = LEGACY_STORE) -> None:
        """Remove a file that no image needs in `store` (checked again under the hash's lock)."""
        with files.locked(content_hash):
            self._remove_unheld(files, content_hash, store)

    def _remove_unheld(self, files: ImageFiles, content_hash: str,
                       store: str = LEGACY_STORE) -> None:
        file = self._file(content_hash)
        holders = [self.app.find(UUID(h)) for h in file.holders] if file is not None else []
        if not any(isinstance(h, Image) and h.holds_in(store) for h in holders):
            files.remove(content_hash)

    def _file(self, content_hash: str | None) -> ImageFile | None:
        return self.app.find(image_file_id(content_hash)) if content_hash else None

    def _save(self, *aggregates: Any) -> None:
        pending = changed(*aggregates)
        if pending:
            self.app.save(*pending)
