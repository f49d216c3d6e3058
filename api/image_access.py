"""Who may see and change an image, as the Image v2 routers check it.

Reads come from the image read model; writes load the aggregate, so the policy target (the
image's owner and visibility) is the current truth. Another project's private image is "not
found", never "forbidden", so its existence does not leak.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from fastapi import Request

from api.auth import Caller
from api.deps import CloudDep
from api.errors import ApiError
from api.policy import PolicyEngine
from domain.catalog.image import Image
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound
from projections.images import ImageViews
from projections.store import Row


def image_uuid(image_id: str) -> UUID:
    try:
        return UUID(image_id)
    except ValueError:
        raise NotFound(f"No image found with ID {image_id}") from None


def target(owner: str | None, visibility: str) -> dict[str, Any]:
    return {"project_id": owner, "owner": owner, "visibility": visibility}


def shown(cloud: CloudDep, caller: Caller, policy: PolicyEngine, rule: str, image_id: str) -> Row:
    """The read-model row of an image the caller may see, after checking `rule` on it."""
    views = ImageViews(cloud.store)
    row = views.get(image_uuid(image_id).hex)
    if row is None or not visible(views, caller, row):
        raise NotFound(f"No image found with ID {image_id}")
    policy.enforce(rule, target(row["owner"], row["visibility"]), caller.creds)
    return row


def visible(views: ImageViews, caller: Caller, row: Row) -> bool:
    """Glance's rule: admins, the owner, everyone for public and community images, and the
    projects a shared image is offered to (whatever their answer)."""
    return (caller.is_admin or row["owner"] == caller.project_id
            or row["visibility"] in ("public", "community")
            or (row["visibility"] == "shared" and caller.project_id is not None
                and views.member(row["id"], caller.project_id) is not None))


def authorize_change(cloud: CloudDep, caller: Caller, policy: PolicyEngine, rule: str,
                     image_id: str) -> Image:
    """Check `rule` against the image's current owner (404 first if the caller cannot see it)."""
    image = cloud.images.get(caller.ctx, image_uuid(image_id))
    policy.enforce(rule, target(image.owner, image.visibility), caller.creds)
    return image


async def json_body(request: Request, media_types: tuple[str, ...]) -> Any:
    if request.headers.get("content-type", "").split(";")[0].strip() not in media_types:
        raise ApiError(415, f"Unsupported Content-Type; expected one of {', '.join(media_types)}")
    try:
        return json.loads(await request.body())
    except ValueError:
        raise InvalidInput("Malformed JSON in request body.") from None


def delete_image(cloud: CloudDep, ctx: RequestContext, image_id: UUID) -> None:
    """Delete an image (already authorized), then its file from each store no image needs it in.
    `ctx` is the command's context: EC2's is raised instead under DryRun (api/ec2/context.py)."""
    content_hash = cloud.images.delete(ctx, image_id)
    if content_hash is not None:
        for store, files in cloud.image_stores.all():
            cloud.images.collect(files, content_hash, store)
