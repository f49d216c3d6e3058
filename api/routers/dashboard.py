"""`/dashboard`: a small web page over the OpenStack APIs, and the live event feed it polls.

The page (api/dashboard/, plain HTML + JS + CSS, no build step) asks for a Keystone token, keeps
it in the tab's sessionStorage and calls the same Compute and Identity APIs any client would, so
it shows exactly what that token may see: hypervisors only to admins (Nova's policy), servers
and quota usage of the token's project. The one route of its own is the event timeline, read
from the audit trail: the token's project's events, or every event for an admin.
"""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from oslo_policy import policy

from api.auth import Caller
from api.deps import Authorize, CloudDep, PolicyDep
from api.errors import ApiError
from api.event_feed import recent_events

router = APIRouter(prefix="/dashboard", tags=["dashboard"])

RULES = [
    policy.RuleDefault("dashboard:events", "rule:any_reader",
                       "Read the event timeline of the token's project"),
    policy.RuleDefault("dashboard:events:all_projects", "rule:admin_api",
                       "Read the event timeline of every project"),
]

# The page's files, by the name the page asks for, with their media types.
ASSETS = {"dashboard.js": "text/javascript; charset=utf-8",
          "dashboard.css": "text/css; charset=utf-8"}
# The page holds a token: it must not be framed by another site, nor run scripts from elsewhere.
HEADERS = {"Cache-Control": "no-cache", "X-Frame-Options": "DENY",
           "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'"}
MAX_EVENTS = 200


def asset(name: str) -> bytes:
    return resources.files("api.dashboard").joinpath(name).read_bytes()


@router.get("", include_in_schema=False)
def page() -> Response:
    return Response(asset("index.html"), media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> Response:
    if name not in ASSETS:
        raise ApiError(404, f"No dashboard file {name!r}.")
    return Response(asset(name), media_type=ASSETS[name], headers=HEADERS)


Reader = Annotated[Caller, Depends(Authorize("dashboard:events"))]


@router.get("/api/events")
def events(cloud: CloudDep, caller: Reader, policy_engine: PolicyDep,
           after: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,  # SQL's BIGINT
           limit: Annotated[int, Query(ge=1, le=MAX_EVENTS)] = 50) -> dict[str, Any]:
    """Events after log position `after` (absent: the newest `limit`), oldest first, with the
    cursor to pass as `after` next time."""
    everything = policy_engine.allowed("dashboard:events:all_projects", {}, caller.creds)
    feed = recent_events(cloud.store, None if everything else caller.project_id, after, limit)
    return {"events": feed.events, "position": feed.position, "truncated": feed.truncated,
            "scope": "all" if everything else "project"}
