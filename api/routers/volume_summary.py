"""Block Storage `GET /volume/v3/{project_id}/volumes/summary` (3.12): how many volumes the
project has and how many gigabytes they take; from 3.36 also every metadata key with its
distinct values. Administrators count every project's with `all_tenants`, as in Cinder. Below
3.12 the path names the volume "summary", which does not exist (404). Registered before the
volumes router, whose `/volumes/{volume_id}` would take the path otherwise.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.bodies.volumes import PREFIX, TRUTH, check_path_project
from api.deps import CallerDep, CloudDep, PolicyDep
from api.microversions import VolumeVersion
from domain.errors import NotFound
from projections.volumes import VolumeViews

router = APIRouter(prefix=PREFIX, tags=["volume: volumes"])


@router.get("/volumes/summary")
def summary(project_id: str, request: Request, cloud: CloudDep, caller: CallerDep,
            engine: PolicyDep, version: VolumeVersion) -> dict[str, Any]:
    check_path_project(project_id, caller)
    if version < "3.12":
        raise NotFound("Volume summary could not be found.")
    engine.enforce("volume:get_all", {"project_id": caller.project_id}, caller.creds)
    everyone = caller.is_admin and TRUTH.get(
        request.query_params.get("all_tenants", "0").lower(), False)
    rows = VolumeViews(cloud.store).list(None if everyone else caller.project_id)
    body: dict[str, Any] = {"total_count": len(rows),
                            "total_size": sum(int(r["size"]) for r in rows)}
    if version >= "3.36":
        values: dict[str, set[str]] = {}
        for row in rows:
            for key, value in (row["metadata"] or {}).items():
                values.setdefault(key, set()).add(value)
        body["metadata"] = {key: sorted(found) for key, found in sorted(values.items())}
    return {"volume-summary": body}
