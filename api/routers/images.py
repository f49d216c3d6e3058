"""Image v2 `/images`: metadata, JSON-patch updates, tags, deactivation, streamed data upload
and download (who may do what: api/image_access.py)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from oslo_policy import policy
from starlette.concurrency import run_in_threadpool

from api import image_openapi as doc
from api.auth import Caller
from api.bodies.images import (
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
from api.deps import CallerDep, CloudDep, PolicyDep
from api.image_access import authorize_change, delete_image, json_body, shown, target
from api.image_uploads import receive
from api.policy import PolicyEngine
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.services.image_data import STORE
from projections.images import ImageViews

router = APIRouter(prefix="/image/v2", tags=["image"])

# Glance's defaults: anyone with a role may see what is visible to them; members of the owning
# project change an image; only admins publish to everyone.
# A shared image reaches the policy check only when the caller's project is one of its members
# (api/image_access.py: others get 404 first), as in Glance.
READ = ("rule:admin_api or (role:reader and (project_id:%(project_id)s"
        " or 'public':%(visibility)s or 'community':%(visibility)s or 'shared':%(visibility)s))")
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
    policy.RuleDefault("deactivate", "rule:admin_or_member", "Deactivate an image"),
    policy.RuleDefault("reactivate", "rule:admin_or_member", "Reactivate an image"),
]

PATCH_TYPES = ("application/openstack-images-v2.1-json-patch",
               "application/openstack-images-v2.0-json-patch")
CHUNK = 1024 * 1024


def enforce_visibility(policy: PolicyEngine, caller: Caller, owner: str | None,
                       visibility: str | None) -> None:
    rule = {"public": "publicize_image", "community": "communitize_image"}.get(visibility or "")
    if rule is not None:
        policy.enforce(rule, target(owner, visibility or ""), caller.creds)


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
    rows, more = ImageViews(cloud.store).list(query)
    return {"images": [image_body(r) for r in rows], "schema": "/v2/schemas/images",
            **page_links(request.query_params, rows, more)}


@router.get("/images/", include_in_schema=False)
@router.delete("/images/", include_in_schema=False)
def no_image_id(caller: CallerDep) -> None:
    """`/v2/images/` names no image: 404 as in Glance (not the list, not 405)."""
    raise NotFound("No image found with ID ''")


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
    if owner != caller.project_id and not caller.is_admin:
        raise Forbidden(f"You are not permitted to create images owned by '{owner}'.")
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
    delete_image(cloud, caller.ctx, image.id)
    return Response(status_code=204)


@router.post("/images/{image_id}/actions/deactivate", status_code=204)
def deactivate(image_id: str, cloud: CloudDep, caller: CallerDep, policy: PolicyDep) -> Response:
    image = authorize_change(cloud, caller, policy, "deactivate", image_id)
    cloud.images.deactivate(caller.ctx, image.id)
    return Response(status_code=204)


@router.post("/images/{image_id}/actions/reactivate", status_code=204)
def reactivate(image_id: str, cloud: CloudDep, caller: CallerDep, policy: PolicyDep) -> Response:
    image = authorize_change(cloud, caller, policy, "reactivate", image_id)
    cloud.images.reactivate(caller.ctx, image.id)
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


@router.put("/images/{image_id}/file", status_code=204, openapi_extra=doc.upload_extra())
async def upload(image_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
                 policy: PolicyDep) -> Response:
    # Glance's X-Image-Meta-Store names the store; none: the default one.
    store = request.headers.get("x-image-meta-store") or cloud.image_stores.default
    await receive(request, cloud, caller, policy, image_id, "upload_image",
                  partial(cloud.image_data.upload, store=store), store)
    return Response(status_code=204)


@router.get("/images/{image_id}/file", responses={204: {"description": "No data"}})
def download(image_id: str, cloud: CloudDep, caller: CallerDep, policy: PolicyDep) -> Response:
    row = shown(cloud, caller, policy, "download_image", image_id)
    if row["status"] == "deactivated" and not caller.is_admin:
        raise Forbidden("The requested image has been deactivated. Image data download is "
                        "forbidden.")
    if row["content_hash"] is None:
        return Response(status_code=204)
    if row["content_hash"] == "":  # active with no data (a volume-backed server's snapshot)
        return Response(b"", headers={"Content-MD5": row["checksum"]},
                        media_type="application/octet-stream")
    try:
        data = stored_copy(cloud, row)
    except FileNotFoundError:
        raise NotFound(f"Data of image {image_id} could not be found.") from None
    headers = {"Content-MD5": row["checksum"], "Content-Length": str(row["size"])}
    return StreamingResponse(chunks_of(data), media_type="application/octet-stream",
                             headers=headers)


def stored_copy(cloud: CloudDep, row: dict[str, Any]) -> Any:
    """The data from the first store holding it that this server has (`file`: none named)."""
    for store in row.get("stores") or [STORE]:
        if store in cloud.image_stores.ids:
            return cloud.image_stores.get(store).open(row["content_hash"])
    raise FileNotFoundError(row["content_hash"])


def chunks_of(data: Any) -> Iterator[bytes]:
    with data:
        while chunk := data.read(CHUNK):
            yield chunk
