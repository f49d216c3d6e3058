"""Networking `/network/v2.0/extensions`: which Neutron API extensions this cloud answers.

Clients look extensions up before optional features (`openstack port create` asks for
`tag-ports-during-bulk-creation`), so the list must exist; it names only what the routers
really do, so no client turns on a feature skyledger lacks.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CallerDep
from api.network_views import PREFIX
from domain.errors import NotFound

router = APIRouter(prefix=PREFIX, tags=["network: extensions"])

UPDATED = "2026-11-25T00:00:00-00:00"
EXTENSIONS = {
    "external-net": ("Neutron external network", "The `router:external` attribute: the "
                     "floating IP pool is shown as one external network."),
    "provider": ("Provider Network", "Segment attributes of networks, shown to admins."),
    "quotas": ("Quota management support", "Per-project network quotas."),
    "quota_details": ("Quota details management support", "Quota limits with usage."),
    "quota-check-limit": ("Quota engine limit check", "`check_limit` keeps a new limit "
                          "from going below usage."),
    "project-id": ("project_id field enabled", "Resources show `project_id` besides "
                   "`tenant_id`."),
}


def extension_body(alias: str) -> dict[str, Any]:
    name, description = EXTENSIONS[alias]
    return {"alias": alias, "name": name, "description": description, "updated": UPDATED,
            "links": []}


@router.get("/extensions")
def index(caller: CallerDep) -> dict[str, Any]:  # any authenticated caller
    return {"extensions": [extension_body(alias) for alias in EXTENSIONS]}


@router.get("/extensions/{alias}")
def show(alias: str, caller: CallerDep) -> dict[str, Any]:
    if alias not in EXTENSIONS:
        raise NotFound(f"Extension with alias {alias} does not exist")
    return {"extension": extension_body(alias)}
