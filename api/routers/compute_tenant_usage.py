"""Compute `/os-simple-tenant-usage`: what each project used over a period, from the events
(projections/tenant_usage.py). Listing every project is for admins; a project's own usage for
its readers too. `start` and `end` default to now, as in Nova; `detailed=1` lists each
project's servers. From 2.40 the servers page with `limit` and `marker`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from oslo_policy import policy

from api.auth import Caller
from api.deps import Authorize, CallerDep, CloudDep, PolicyDep
from api.microversions import ComputeVersion, Version
from api.strict_query import known_query
from domain.errors import InvalidInput, NotFound
from projections.tenant_usage import Period, project_usages, totals

router = APIRouter(prefix="/compute/v2.1", tags=["compute: usage"])
USAGES_QUERY = known_query("start", "end", "detailed", "limit", "marker")

RULES = [
    policy.RuleDefault("os_compute_api:os-simple-tenant-usage:list", "rule:admin_api"),
    policy.RuleDefault("os_compute_api:os-simple-tenant-usage:show", "rule:admin_or_reader"),
]
FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f")


def moment(text: str | None, now: datetime, which: str) -> datetime:
    if text is None:
        return now
    for form in FORMATS:
        try:
            return datetime.strptime(text, form).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise InvalidInput(f"Invalid {which} time. The {which} time must be in the format "
                       "YYYY-MM-DDTHH:MM:SS[.ffffff].")


def period(start: str | None, end: str | None) -> tuple[Period, datetime]:
    now = datetime.now(UTC)
    span = Period(moment(start, now, "start"), moment(end, now, "end"))
    if span.start > span.stop:
        raise InvalidInput("Invalid start time. The start time cannot occur after the end time.")
    return span, now


def paged(usages: list[dict[str, Any]], version: Version, limit: int | None,
          marker: str | None) -> list[dict[str, Any]]:
    if version < "2.40":
        return usages
    if marker is not None:
        ids = [u["instance_id"] for u in usages]
        if marker not in ids:
            raise InvalidInput(f"marker [{marker}] not found")
        usages = usages[ids.index(marker) + 1:]
    return usages[:limit] if limit is not None else usages


Lister = Annotated[Caller, Depends(Authorize("os_compute_api:os-simple-tenant-usage:list"))]
Limit = Annotated[int | None, Query(ge=0)]


@router.get("/os-simple-tenant-usage", dependencies=[USAGES_QUERY])
def usage_list(cloud: CloudDep, caller: Lister, version: ComputeVersion,
               start: str | None = None, end: str | None = None, detailed: str = "0",
               limit: Limit = None, marker: str | None = None) -> dict[str, Any]:
    span, now = period(start, end)
    listed = []
    for project, usages in sorted(project_usages(cloud.store, span, now).items()):
        usages = paged(usages, version, limit, marker)
        if usages:
            listed.append({**totals(project, usages, span),
                           **({"server_usages": usages} if detailed == "1" else {})})
    return {"tenant_usages": listed}


@router.get("/os-simple-tenant-usage/", dependencies=[USAGES_QUERY])
def usage_of_nobody(caller: CallerDep, version: ComputeVersion) -> dict[str, Any]:
    """No project named: Nova's router has no such route (404)."""
    raise NotFound("The resource could not be found.")


@router.get("/os-simple-tenant-usage/{project_id}",
            dependencies=[known_query("start", "end", "limit", "marker")])
def usage_show(project_id: str, cloud: CloudDep, caller: CallerDep, engine: PolicyDep,
               version: ComputeVersion, start: str | None = None, end: str | None = None,
               limit: Limit = None, marker: str | None = None) -> dict[str, Any]:
    engine.enforce("os_compute_api:os-simple-tenant-usage:show",
                   {"project_id": project_id, "user_id": caller.user_id}, caller.creds)
    span, now = period(start, end)
    usages = project_usages(cloud.store, span, now, project_id).get(project_id, [])
    usages = paged(usages, version, limit, marker)
    if not usages:
        return {"tenant_usage": {}}  # Nova's answer for a project with no usage
    return {"tenant_usage": {**totals(project_id, usages, span), "server_usages": usages}}
