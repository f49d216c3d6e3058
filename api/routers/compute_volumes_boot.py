"""Compute `/os-volumes_boot`: Nova's old alias of `/servers` (list, detail, create, show,
update, delete, actions), the same controller under another name, up to 2.102; from 2.103 it is
gone (404), as Nova removed it."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.microversions import ComputeVersion
from api.routers import compute_server_actions, compute_servers
from domain.errors import NotFound

REMOVED_IN = "2.103"


def before_removal(version: ComputeVersion) -> None:
    if version >= REMOVED_IN:
        raise NotFound("The resource could not be found.")


router = APIRouter(prefix="/compute/v2.1", tags=["compute: os-volumes_boot"],
                   dependencies=[Depends(before_removal)], include_in_schema=False)
BASE = "/os-volumes_boot"
router.add_api_route(BASE, compute_servers.index, methods=["GET"])
router.add_api_route(f"{BASE}/detail", compute_servers.index_detail, methods=["GET"])
router.add_api_route(BASE, compute_servers.create, methods=["POST"], status_code=202)
router.add_api_route(f"{BASE}/{{server_id}}", compute_servers.show, methods=["GET"])
router.add_api_route(f"{BASE}/{{server_id}}", compute_servers.update, methods=["PUT"])
router.add_api_route(f"{BASE}/{{server_id}}", compute_servers.delete, methods=["DELETE"],
                     status_code=204)
router.add_api_route(f"{BASE}/{{server_id}}/action", compute_server_actions.act,
                     methods=["POST"], response_model=None)
