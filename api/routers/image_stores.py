"""Image v2 stores (Glance's `enabled_backends`, adapters/image_stores.py): `/info/stores`,
`/info/stores/detail` (admins), uploads to a chosen store (`X-Image-Meta-Store`, read by
api/image_uploads.py) and `DELETE /stores/{store_id}/{image_id}`, which removes one copy of an
image's data, never the last (Glance's 403), from an active image only (409)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from oslo_policy import policy

from api.deps import CallerDep, CloudDep, PolicyDep
from api.image_access import authorize_change
from domain.errors import InvalidState, NotFound

router = APIRouter(prefix="/image/v2", tags=["image"])

RULES = [
    # Glance: store details and removing a copy of an image's data are an admin's.
    policy.RuleDefault("stores_info_detail", "rule:admin_api", "Show the stores' details"),
    policy.RuleDefault("delete_image_location", "rule:admin_api",
                       "Remove an image's data from one store"),
]


@router.get("/info/stores")
def info_stores(cloud: CloudDep, caller: CallerDep) -> dict[str, Any]:
    return {"stores": cloud.image_stores.listing()}


@router.get("/info/stores/detail")
def info_stores_detail(cloud: CloudDep, caller: CallerDep, policy: PolicyDep) -> dict[str, Any]:
    policy.enforce("stores_info_detail", {"project_id": caller.project_id}, caller.creds)
    return {"stores": cloud.image_stores.listing(detail=True)}


@router.delete("/stores/{store_id}/{image_id}", status_code=204)
def delete_from_store(store_id: str, image_id: str, cloud: CloudDep, caller: CallerDep,
                      policy: PolicyDep) -> Response:
    # Authorized first (Glance checks its stores first), so that a caller who may not remove
    # copies learns nothing of this cloud's stores: 403, or 404 for an image they cannot see.
    image = authorize_change(cloud, caller, policy, "delete_image_location", image_id)
    if not cloud.image_stores.multiple:
        raise NotFound("Multi backend is not supported at this site.")
    if store_id not in cloud.image_stores.ids:
        raise InvalidState(f"The selected store {store_id} is not available on this node.")
    content_hash = cloud.images.remove_store(caller.ctx, image.id, store_id)
    if content_hash is not None:
        cloud.images.collect(cloud.image_stores.get(store_id), content_hash, store_id)
    return Response(status_code=204)
