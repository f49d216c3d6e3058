"""Image members: the owner offers a shared image to a project, the project answers.

Each command loads the image (404 when the caller may not see it at all) and leaves the rules
(only the owner adds or removes, only the member answers) to the aggregate's checks."""

from __future__ import annotations

from uuid import UUID

from domain.app import SkyLedger
from domain.catalog.image import Image
from domain.commands import command
from domain.context import RequestContext
from domain.errors import Forbidden
from domain.services.images import ImageService


class ImageSharingService:
    def __init__(self, app: SkyLedger, images: ImageService) -> None:
        self.app, self.images = app, images

    @command
    def add_member(self, ctx: RequestContext, image_id: UUID, member_id: str) -> Image:
        image = self.images.owned(ctx, image_id)
        image.add_member(member_id)
        self.app.save(image)
        return image

    @command
    def answer(self, ctx: RequestContext, image_id: UUID, member_id: str, status: str) -> Image:
        image = self.images.get(ctx, image_id)
        image.answer(member_id, status, ctx.project_id)
        self.app.save(image)
        return image

    @command
    def remove_member(self, ctx: RequestContext, image_id: UUID, member_id: str) -> Image:
        image = self.images.get(ctx, image_id)
        if not ctx.is_admin and image.owner != ctx.project_id:
            raise Forbidden(f"Only the owner of image {image_id} may remove its members.")
        image.remove_member(member_id)
        self.app.save(image)
        return image
