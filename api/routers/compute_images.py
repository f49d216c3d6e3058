"""Compute `/images`: Nova's read-only proxy of the Image service, below 2.36 (404 from it).

Reads the image read model (the same one Glance's API reads) and shows each image the way Nova
translates Glance's: status in capitals, progress, minDisk/minRam, the properties as metadata
and the server a snapshot was taken of. Deleting goes through the image command service, with
Glance's own policy rule, and so do metadata changes (JSON-patch operations on the image's
properties, with `modify_image`).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.bodies.images import seconds
from api.deps import CallerDep, CloudDep, CloudServices, PolicyDep
from api.image_access import authorize_change, delete_image, shown, target
from api.microversions import ComputeVersion, Version
from domain.catalog.image_fields import PatchOp
from domain.errors import Forbidden, InvalidInput, NotFound
from projections.images import ImageQuery, ImageViews
from projections.store import Row

router = APIRouter(prefix="/compute/v2.1", tags=["compute: images"])

STATUS = {"active": "ACTIVE", "queued": "SAVING", "saving": "SAVING", "importing": "SAVING",
          "deleted": "DELETED", "pending_delete": "DELETED", "killed": "ERROR"}
PROGRESS = {"queued": 25, "saving": 50, "importing": 50, "active": 100}


def proxied(version: Version) -> None:
    if version >= "2.36":
        raise NotFound("The resource could not be found.")


def links(request: Request, image_id: str) -> list[dict[str, str]]:
    base = str(request.base_url).rstrip("/")
    return [{"rel": "self", "href": f"{base}/compute/v2.1/images/{image_id}"},
            {"rel": "bookmark", "href": f"{base}/compute/images/{image_id}"},
            {"rel": "alternate", "type": "application/vnd.openstack.image",
             "href": f"{base}/image/v2/images/{image_id}"}]


def brief(request: Request, row: Row) -> dict[str, Any]:
    image_id = str(UUID(row["id"]))
    return {"id": image_id, "name": row["name"], "links": links(request, image_id)}


def detail(request: Request, row: Row) -> dict[str, Any]:
    metadata = {k: str(v) for k, v in row["properties"].items()}
    body = {**brief(request, row), "status": STATUS.get(row["status"], "UNKNOWN"),
            "progress": PROGRESS.get(row["status"], 0), "minDisk": int(row["min_disk"] or 0),
            "minRam": int(row["min_ram"] or 0), "metadata": metadata,
            "created": seconds(row["created_at"]), "updated": seconds(row["updated_at"]),
            "OS-EXT-IMG-SIZE:size": row["size"]}
    server = metadata.get("instance_uuid")
    if server:
        base = str(request.base_url).rstrip("/")
        body["server"] = {"id": server, "links": [
            {"rel": "self", "href": f"{base}/compute/v2.1/servers/{server}"},
            {"rel": "bookmark", "href": f"{base}/compute/servers/{server}"}]}
    return body


def listed(cloud: CloudServices, caller: CallerDep, request: Request) -> list[Row]:
    """Visible images, newest first, filtered and paged as Nova passes the query to Glance."""
    params = request.query_params
    rows, _ = ImageViews(cloud.store).list(ImageQuery(caller.project_id, caller.is_admin))
    if "name" in params:
        rows = [r for r in rows if r["name"] == params["name"]]
    if "status" in params:
        rows = [r for r in rows if STATUS.get(r["status"], "UNKNOWN") == params["status"].upper()]
    if "type" in params:  # Nova passes it to Glance as property-image_type
        rows = [r for r in rows if r["properties"].get("image_type") == params["type"]]
    if "server" in params:
        rows = [r for r in rows if str(r["properties"].get("instance_uuid", "")).endswith(
            params["server"].rsplit("/", 1)[-1])]
    if "marker" in params:
        ids = [str(UUID(r["id"])) for r in rows]
        if params["marker"] not in ids:
            raise InvalidInput(f"marker [{params['marker']}] not found")
        rows = rows[ids.index(params["marker"]) + 1:]
    if "limit" in params:
        try:
            rows = rows[:max(0, int(params["limit"]))]
        except ValueError:
            raise InvalidInput("limit must be an integer") from None
    return rows


@router.get("/images")
def index(request: Request, cloud: CloudDep, caller: CallerDep, policy: PolicyDep,
          version: ComputeVersion) -> dict[str, Any]:
    proxied(version)
    policy.enforce("get_images", target(caller.project_id, ""), caller.creds)
    return {"images": [brief(request, r) for r in listed(cloud, caller, request)]}


@router.get("/images/detail")
def index_detail(request: Request, cloud: CloudDep, caller: CallerDep, policy: PolicyDep,
                 version: ComputeVersion) -> dict[str, Any]:
    proxied(version)
    policy.enforce("get_images", target(caller.project_id, ""), caller.creds)
    return {"images": [detail(request, r) for r in listed(cloud, caller, request)]}


def visible(cloud: CloudServices, caller: CallerDep, policy: PolicyDep, image_id: str) -> Row:
    try:
        return shown(cloud, caller, policy, "get_image", image_id)
    except NotFound:
        raise NotFound("Image not found.") from None


@router.get("/images/{image_id}")
def show(image_id: str, request: Request, cloud: CloudDep, caller: CallerDep, policy: PolicyDep,
         version: ComputeVersion) -> dict[str, Any]:
    proxied(version)
    return {"image": detail(request, visible(cloud, caller, policy, image_id))}


@router.delete("/images/{image_id}", status_code=204)
def delete(image_id: str, cloud: CloudDep, caller: CallerDep, policy: PolicyDep,
           version: ComputeVersion) -> Response:
    proxied(version)
    visible(cloud, caller, policy, image_id)
    image = authorize_change(cloud, caller, policy, "delete_image", image_id)
    delete_image(cloud, caller.ctx, image.id)
    return Response(status_code=204)


@router.get("/images/{image_id}/metadata")
def metadata(image_id: str, cloud: CloudDep, caller: CallerDep, policy: PolicyDep,
             version: ComputeVersion) -> dict[str, Any]:
    proxied(version)
    row = visible(cloud, caller, policy, image_id)
    return {"metadata": {k: str(v) for k, v in row["properties"].items()}}


@router.get("/images/{image_id}/metadata/{key}")
def metadata_item(image_id: str, key: str, cloud: CloudDep, caller: CallerDep,
                  policy: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    proxied(version)
    properties = visible(cloud, caller, policy, image_id)["properties"]
    if key not in properties:
        raise NotFound(f"Image {image_id} has no metadata with key {key}.")
    return {"meta": {key: str(properties[key])}}


# Nova's image metadata limit (the `metadata_items` quota it applies to images).
MAX_ITEMS = 128
Key = Annotated[str, Field(min_length=1, max_length=255)]


class MetadataBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metadata: dict[Key, str]


class MetaBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    meta: dict[Key, str] = Field(min_length=1, max_length=1)


def changed(cloud: CloudServices, caller: CallerDep, policy: PolicyDep, image_id: str,
            wanted: dict[str, str], purge: bool) -> dict[str, str]:
    """Set `wanted` on the image's properties (dropping the others when `purge`); the result."""
    current = visible(cloud, caller, policy, image_id)["properties"]
    merged = wanted if purge else {**current, **wanted}
    if len(merged) > MAX_ITEMS:
        raise Forbidden(f"Quota exceeded for metadata_items: at most {MAX_ITEMS} items.")
    image = authorize_change(cloud, caller, policy, "modify_image", image_id)
    ops = [PatchOp("remove", key) for key in current if purge and key not in wanted]
    ops += [PatchOp("add", key, value) for key, value in wanted.items()]
    image = cloud.images.patch(caller.ctx, image.id, ops)
    return {k: str(v) for k, v in image.properties.items()}


@router.put("/images/{image_id}/metadata")
def metadata_replace(image_id: str, body: MetadataBody, cloud: CloudDep, caller: CallerDep,
                     policy: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    proxied(version)
    return {"metadata": changed(cloud, caller, policy, image_id, body.metadata, purge=True)}


@router.post("/images/{image_id}/metadata")
def metadata_update(image_id: str, body: MetadataBody, cloud: CloudDep, caller: CallerDep,
                    policy: PolicyDep, version: ComputeVersion) -> dict[str, Any]:
    proxied(version)
    return {"metadata": changed(cloud, caller, policy, image_id, body.metadata, purge=False)}


@router.put("/images/{image_id}/metadata/{key}")
def metadata_item_set(image_id: str, key: str, body: MetaBody, cloud: CloudDep,
                      caller: CallerDep, policy: PolicyDep,
                      version: ComputeVersion) -> dict[str, Any]:
    proxied(version)
    if key not in body.meta:
        raise InvalidInput("Request body and URI mismatch")
    changed(cloud, caller, policy, image_id, body.meta, purge=False)
    return {"meta": body.meta}


@router.delete("/images/{image_id}/metadata/{key}", status_code=204)
def metadata_item_delete(image_id: str, key: str, cloud: CloudDep, caller: CallerDep,
                         policy: PolicyDep, version: ComputeVersion) -> Response:
    proxied(version)
    if key not in visible(cloud, caller, policy, image_id)["properties"]:
        raise NotFound(f"Image {image_id} has no metadata with key {key}.")
    image = authorize_change(cloud, caller, policy, "modify_image", image_id)
    cloud.images.patch(caller.ctx, image.id, [PatchOp("remove", key)])
    return Response(status_code=204)


@router.delete("/images/", status_code=204)
def delete_nothing(caller: CallerDep, version: ComputeVersion) -> Response:
    """`DELETE /images/` names no image: 404, as Nova's router answers."""
    raise NotFound("The resource could not be found.")
