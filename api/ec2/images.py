"""DescribeImages: the images the caller's project sees in Glance (the images read model, its
visibility rules and `get_images` policy), as `ami-…` machine images."""

from __future__ import annotations

from typing import Any

from api.ec2.context import Call, Handler
from api.ec2.errors import Ec2Error, combination, invalid_value
from api.ec2.ids import ec2_id, resolved
from api.ec2.instance_views import find
from api.image_access import authorize_change, delete_image, target
from domain.errors import NotFound
from projections.images import ImageQuery, ImageViews

NOT_FOUND = "InvalidAMIID.NotFound"
STATES = {"active": "available", "queued": "pending", "saving": "pending",
          "importing": "pending", "uploading": "pending", "killed": "failed",
          "deactivated": "deregistered", "deleted": "deregistered"}


def image_item(row: dict[str, Any]) -> dict[str, Any]:
    return {"imageId": ec2_id("ami", row["id"]), "imageLocation": row.get("name") or "",
            "imageState": STATES.get(row["status"], "pending"),
            "imageOwnerId": row["owner"], "isPublic": row["visibility"] == "public",
            "architecture": "x86_64", "imageType": "machine", "name": row.get("name"),
            "rootDeviceType": "instance-store", "virtualizationType": "hvm",
            "hypervisor": "xen", "creationDate": row["created_at"]}


FILTERS = {"image-id": "imageId", "name": "name", "state": "imageState",
           "owner-id": "imageOwnerId", "is-public": "isPublic"}


def describe_images(call: Call) -> dict[str, Any]:
    call.enforce("get_images", target(call.caller.project_id, ""))
    rows, _ = ImageViews(call.cloud.store).list(
        ImageQuery(project_id=call.caller.project_id, is_admin=call.caller.is_admin))
    items = [image_item(r) for r in rows]
    asked = call.params.listed("ImageId")
    missing = [a for a in asked if a not in {i["imageId"] for i in items}]
    if missing:
        raise Ec2Error(NOT_FOUND, f"The image id '[{missing[0]}]' does not exist")
    if asked:
        items = [i for i in items if i["imageId"] in asked]
    owners = call.params.listed("Owner")
    if owners:
        items = [i for i in items if i["imageOwnerId"] in owners
                 or ("self" in owners and i["imageOwnerId"] == call.caller.project_id)]
    for name, values in call.params.filters().items():
        field = FILTERS.get(name)
        if field is None:
            raise Ec2Error("InvalidParameterValue", f"The filter '{name}' is not supported.")
        items = [i for i in items if str(i[field]).lower() in {v.lower() for v in values}]
    return paged(call, items, bool(asked))


def paged(call: Call, items: list[dict[str, Any]], by_id: bool) -> dict[str, Any]:
    """One page of MaxResults images (1-1000, Glance's order: newest first) after the image
    NextToken names (the last one of the previous page)."""
    size, token = call.params.get("MaxResults"), call.params.get("NextToken")
    if size is None and token is None:
        return {"imagesSet": items}
    if by_id:
        raise combination("ImageIds", "MaxResults")
    limit = call.params.integer("MaxResults", 1000, 1, 1000)
    start = 0
    if token is not None:
        ids = [i["imageId"] for i in items]
        if token not in ids:
            raise Ec2Error("InvalidPaginationToken", f"The pagination token '{token[:40]}' is "
                           "not valid or is expired.")
        start = ids.index(token) + 1
    page = items[start:start + limit]
    more = start + limit < len(items)
    return {"imagesSet": page, **({"nextToken": page[-1]["imageId"]} if more else {})}


def create_image(call: Call) -> dict[str, Any]:
    """A snapshot of the instance, as the server's createImage action takes it."""
    server = find(call, call.params.required("InstanceId"))
    call.enforce("os_compute_api:servers:create_image",
                 {"project_id": server["project_id"], "user_id": server["user_id"]})
    name = call.params.required("Name")
    if len(name) > 255:
        raise invalid_value("Name", name[:20] + "...", "At most 255 characters.")
    description = call.params.get("Description")
    image = call.cloud.snapshots.create_image(call.ctx, server["id"], name,
                                              {"description": description} if description
                                              else {})
    return {"imageId": ec2_id("ami", image.id)}


def deregister_image(call: Call) -> dict[str, Any]:
    image_id = call.params.required("ImageId")
    key = resolved(call.cloud.store, "images", "ami", image_id, NOT_FOUND)
    try:
        image = authorize_change(call.cloud, call.caller, call.policy, "delete_image", key)
    except NotFound:
        raise Ec2Error(NOT_FOUND, f"The image id '[{image_id}]' does not exist") from None
    delete_image(call.cloud, call.ctx, image.id)
    return {"return": True}


ACTIONS: dict[str, Handler] = {
    "DescribeImages": describe_images,
    "CreateImage": create_image,
    "DeregisterImage": deregister_image,
}
