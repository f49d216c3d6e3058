"""Image v2 `/images`: metadata, JSON-patch updates, tags, streamed data upload and download.

Reads (list, show, download) come from the image read model; writes load the aggregate, so the
policy target (the image's owner and visibility) is the current truth. Another project's private
image is "not found", never "forbidden", so its existence does not leak.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from uuid import UUID

from anyio import from_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from oslo_policy import policy
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from api import image_openapi as doc
from api.auth import Caller
from api.deps import ApiSettings, CallerDep, CloudDep, PolicyDep
from api.errors import ApiError
from api.image_views import (
    checked,
    image_body,
    image_row,
    image_schema,
    images_schema,
    list_query,
    page_links,
    parse_create,
    parse_patch,
)
from api.policy import PolicyEngine
from domain.catalog.image import Image
from domain.errors import InvalidInput, NotFound
from domain.ports import BlobTooLarge
from projections.images import ImageViews
from projections.store import Row

router = APIRouter(prefix="/image/v2", tags=["image"])

# Glance's defaults: anyone with a role may see what is visible to them; members of the owning
# project change an image; only admins publish to everyone.
READ = ("rule:admin_api or (role:reader and (project_id:%(project_id)s"
        " or 'public':%(visibility)s or 'community':%(visibility)s))")
RULES = [
    policy.RuleDefault("get_images", "rule:admin_or_reader", "List images"),
    policy.RuleDefault("get_image", READ, "Show an image"),
    policy.RuleDefault("download_image", READ, "Download an image's data"),
    policy.RuleDefault("add_image", "rule:admin_or_member", "Create an image (target: owner)"),
    policy.RuleDefault("modify_image", "rule:admin_or_member", "Update an image or its tags"),
    policy.RuleDefault("upload_image", "rule:admin_or_member", "Upload an image's data"),
    policy.RuleDefault("delete_image", "rule:admin_or_member", "Delete an image"),
    policy.RuleDefault("publicize_image", "rule:admin_api", "Make an image public"),
    policy.RuleDefault("communitize_image", "rule:admin_or_member", "Make an image community"),
]

PATCH_TYPES = ("application/openstack-images-v2.1-json-patch",
               "application/openstack-images-v2.0-json-patch")
CHUNK = 1024 * 1024


def image_uuid(image_id: str) -> UUID:
    try:
        return UUID(image_id)
    except ValueError:
        raise NotFound(f"No image found with ID {image_id}") from None


def target(owner: str | None, visibility: str) -> dict[str, Any]:
    return {"project_id": owner, "owner": owner, "visibility": visibility}


def shown(cloud: CloudDep, caller: Caller, policy: PolicyEngine, rule: str, image_id: str) -> Row:
    """The read-model row of an image the caller may see, after checking `rule` on it."""
    row = ImageViews(cloud.store).get(image_uuid(image_id).hex)
    visible = row is not None and (caller.is_admin or row["owner"] == caller.project_id
                                   or row["visibility"] in ("public", "community"))
    if row is None or not visible:
        raise NotFound(f"No image found with ID {image_id}")
    policy.enforce(rule, target(row["owner"], row["visibility"]), caller.creds)
    return row


def authorize_change(cloud: CloudDep, caller: Caller, policy: PolicyEngine, rule: str,
                     image_id: str) -> Image:
    """Check `rule` against the image's current owner (404 first if the caller cannot see it)."""
    image = cloud.images.get(caller.ctx, image_uuid(image_id))
    policy.enforce(rule, target(image.owner, image.visibility), caller.creds)
    return image


def enforce_visibility(policy: PolicyEngine, caller: Caller, owner: str | None,
                       visibility: str | None) -> None:
    rule = {"public": "publicize_image", "community": "communitize_image"}.get(visibility or "")
    if rule is not None:
        policy.enforce(rule, target(owner, visibility or ""), caller.creds)


async def json_body(request: Request, media_types: tuple[str, ...]) -> Any:
    if request.headers.get("content-type", "").split(";")[0].strip() not in media_types:
        raise ApiError(415, f"Unsupported Content-Type; expected one of {', '.join(media_types)}")
    try:
        return json.loads(await request.body())
    except ValueError:
        raise InvalidInput("Malformed JSON in request body.") from None


@router.get("/schemas/image")
def schema_image(caller: CallerDep) -> dict[str, Any]:
    return image_schema()


@router.get("/schemas/images")
def schema_images(caller: CallerDep) -> dict[str, Any]:
    return images_schema()


@router.get("/images", response_model=None, responses=doc.image_list())
def index(request: Request, cloud: CloudDep, caller: CallerDep,
          policy: PolicyDep) -> dict[str, Any]:
    policy.enforce("get_images", target(caller.project_id, ""), caller.creds)
    query = list_query(request.query_params, caller.project_id, caller.is_admin)
    rows, more = ([], False) if query is None else ImageViews(cloud.store).list(query)
    return {"images": [image_body(r) for r in rows], "schema": "/v2/schemas/images",
            **page_links(request.query_params, rows, more)}


@router.get("/images/{image_id}", response_model=None, responses=doc.one_image(200))
def show(image_id: str, cloud: CloudDep, caller: CallerDep, policy: PolicyDep) -> dict[str, Any]:
    return image_body(shown(cloud, caller, policy, "get_image", image_id))


@router.post("/images", status_code=201, response_model=None, responses=doc.one_image(201),
             openapi_extra=doc.create_extra())
async def create(request: Request, cloud: CloudDep, caller: CallerDep,
                 policy: PolicyDep) -> JSONResponse:
    core, properties = parse_create(await json_body(request, ("application/json",)))
    owner = core.pop("owner", caller.project_id)
    policy.enforce("add_image", target(owner, core.get("visibility", "")), caller.creds)
    enforce_visibility(policy, caller, owner, core.get("visibility"))
    if owner is None:
        raise InvalidInput("An image needs an owner: use a project-scoped token.")
    image = await run_in_threadpool(cloud.images.register, caller.ctx, core.pop("id", None),
                                    core.pop("name", None), owner, properties=properties, **core)
    body = image_body(image_row(image))
    return JSONResponse(body, status_code=201,
                        headers={"Location": f"{cloud.settings.public_url}/image{body['self']}"})


@router.patch("/images/{image_id}", response_model=None, responses=doc.one_image(200),
              openapi_extra=doc.patch_extra())
async def update(image_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                 policy: PolicyDep) -> dict[str, Any]:
    ops = parse_patch(await json_body(request, PATCH_TYPES))
    image = await run_in_threadpool(authorize_change, cloud, caller, policy, "modify_image",
                                    image_id)
    for op in ops:
        if op.attr == "visibility":
            enforce_visibility(policy, caller, image.owner, op.value)
    image = await run_in_threadpool(cloud.images.patch, caller.ctx, image.id, ops)
    return image_body(image_row(image))


@router.delete("/images/{image_id}", status_code=204)
def delete(image_id: str, cloud: CloudDep, caller: CallerDep, policy: PolicyDep) -> Response:
    image = authorize_change(cloud, caller, policy, "delete_image", image_id)
    unheld = cloud.images.delete(caller.ctx, image.id)
    if unheld is not None:
        cloud.images.collect(cloud.blobs, unheld)
    return Response(status_code=204)


@router.put("/images/{image_id}/tags/{tag}", status_code=204)
def add_tag(image_id: str, tag: str, cloud: CloudDep, caller: CallerDep,
            policy: PolicyDep) -> Response:
    image = authorize_change(cloud, caller, policy, "modify_image", image_id)
    cloud.images.add_tag(caller.ctx, image.id, checked("tags", [tag])[0])
    return Response(status_code=204)


@router.delete("/images/{image_id}/tags/{tag}", status_code=204)
def remove_tag(image_id: str, tag: str, cloud: CloudDep, caller: CallerDep,
               policy: PolicyDep) -> Response:
    image = authorize_change(cloud, caller, policy, "modify_image", image_id)
    cloud.images.remove_tag(caller.ctx, image.id, tag)
    return Response(status_code=204)


def size_cap(settings: ApiSettings) -> int:
    return settings.image_size_cap


def declared_size(request: Request) -> int:
    """The largest size the client announced (openstacksdk sends X-OpenStack-Image-Size)."""
    values = (request.headers.get(h, "") for h in ("x-openstack-image-size", "content-length"))
    return max((int(v) for v in values if v.isdigit()), default=0)


def pulled(stream: AsyncIterator[bytes]) -> Iterator[bytes]:
    """The request body as a plain iterator, for a worker thread to consume chunk by chunk."""

    async def next_chunk() -> bytes | None:
        try:
            return await stream.__anext__()
        except StopAsyncIteration:
            return None

    while (chunk := from_thread.run(next_chunk)) is not None:
        if chunk:
            yield chunk


@router.put("/images/{image_id}/file", status_code=204, openapi_extra=doc.upload_extra())
async def upload(image_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                 policy: PolicyDep) -> Response:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/octet-stream":
        raise ApiError(415, "Unsupported Content-Type; expected application/octet-stream")
    cap = size_cap(cloud.settings)
    if declared_size(request) > cap:  # refuse before reading a byte when we can
        raise ApiError(413, f"Image exceeds the storage quota of {cap} bytes.")
    image = await run_in_threadpool(authorize_change, cloud, caller, policy, "upload_image",
                                    image_id)
    try:
        await run_in_threadpool(cloud.images.upload, caller.ctx, image.id, pulled(request.stream()),
                                cloud.blobs, cap)
    except BlobTooLarge as error:
        raise ApiError(413, str(error)) from None
    except ClientDisconnect:
        # Nothing was recorded and the staged file is gone; no one is left to read an answer.
        raise ApiError(400, "The client disconnected before the upload completed.") from None
    return Response(status_code=204)


@router.get("/images/{image_id}/file", responses={204: {"description": "No data"}})
def download(image_id: str, cloud: CloudDep, caller: CallerDep, policy: PolicyDep) -> Response:
    row = shown(cloud, caller, policy, "download_image", image_id)
    if row["content_hash"] is None:
        return Response(status_code=204)
    try:
        data = cloud.blobs.open(row["content_hash"])
    except FileNotFoundError:
        raise NotFound(f"Data of image {image_id} could not be found.") from None
    headers = {"Content-MD5": row["checksum"], "Content-Length": str(row["size"])}
    return StreamingResponse(chunks_of(data), media_type="application/octet-stream",
                             headers=headers)


def chunks_of(data: Any) -> Iterator[bytes]:
    with data:
        while chunk := data.read(CHUNK):
            yield chunk
