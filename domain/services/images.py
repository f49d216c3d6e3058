"""Image commands: register metadata, record an upload, update, delete."""

from __future__ import annotations

from uuid import UUID

from domain.app import SkyLedger
from domain.catalog.image import Image
from domain.commands import command
from domain.context import RequestContext
from domain.errors import AlreadyExists, Forbidden, NotFound
from domain.ports import StoredBlob


class ImageService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def register(self, ctx: RequestContext, image_id: UUID | None, name: str | None, owner: str,
                 visibility: str = "private", disk_format: str | None = None,
                 container_format: str | None = None, min_disk: int = 0, min_ram: int = 0,
                 protected: bool = False, tags: list[str] | None = None,
                 properties: dict[str, str] | None = None) -> Image:
        if image_id is not None and self.app.find(image_id) is not None:
            raise AlreadyExists(f"An image with identifier {image_id} already exists")
        kwargs = {"id": image_id} if image_id is not None else {}
        image = Image(name, owner, visibility, disk_format, container_format, min_disk, min_ram,
                      protected, tags or [], properties or {}, **kwargs)
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
    def record_upload(self, ctx: RequestContext, image_id: UUID, blob: StoredBlob) -> Image:
        image = self.owned(ctx, image_id)
        image.upload(blob.size, blob.md5, blob.sha512, blob.content_hash)
        self.app.save(image)
        return image

    @command
    def update(self, ctx: RequestContext, image_id: UUID, changes: dict[str, object]) -> Image:
        image = self.owned(ctx, image_id)
        if changes:
            image.update(changes)
            self.app.save(image)
        return image

    @command
    def delete(self, ctx: RequestContext, image_id: UUID) -> None:
        image = self.owned(ctx, image_id)
        image.delete()
        self.app.save(image)
