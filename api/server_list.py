"""GET /servers and /servers/detail: Nova's filters, paging and changes-since/-before windows
over the server read model, with the bodies api/bodies/servers.py builds."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from api.auth import Caller
from api.bodies.servers import (
    addresses,
    dashed,
    detail,
    server_look,
    status_of,
    summary,
    zone_of,
)
from api.deps import CloudServices
from api.microversions import Version
from api.policy import PolicyEngine
from api.responses.servers import STATUSES, ServerList
from api.responses.servers_v296 import ServerDetailList
from api.server_filters import own_filters
from api.server_query import check_server_query
from api.server_sort import ServerOrder, sort_params
from domain.compute.states import VmState
from domain.errors import Forbidden, InvalidInput
from projections.servers import ServerViews, name_matcher

MAX_LIMIT = 1000  # Nova's [api] max_limit
TRUE, FALSE = ("", "1", "t", "true", "on", "y", "yes"), ("0", "f", "false", "off", "n", "no")
SOFT_DELETED = VmState.SOFT_DELETED.value


def list_servers(params: Mapping[str, str], cloud: CloudServices, caller: Caller,
                 engine: PolicyEngine, version: Version,
                 detailed: bool) -> ServerList | ServerDetailList:
    rule = "os_compute_api:servers:detail" if detailed else "os_compute_api:servers:index"
    own = {"project_id": caller.project_id, "user_id": caller.user_id}
    check_server_query(params, version)  # Nova's schema is checked before its policy
    engine.enforce(rule, own, caller.creds)
    where = scope(params, caller, engine, f"{rule}:get_all_tenants")
    every_filter = engine.allowed("os_compute_api:servers:allow_all_filters", own, caller.creds)
    if every_filter and params.get("host"):
        where["host"] = params["host"]  # other callers' host filter is dropped, as in Nova
    for param, column in (("reservation_id", "reservation_id"), ("flavor", "flavor_id")):
        if params.get(param):
            where[column] = params[param]
    if params.get("image"):
        where["image_id"] = _hex_or_none(params["image"].rstrip("/").rsplit("/", 1)[-1])
    deleted, keep = status_filter(params.get("status"), caller, version)
    if keep is None:
        return ServerDetailList(servers=[]) if detailed else ServerList(servers=[])
    since = changes_since(params.get("changes-since"))
    before = changes_before(params, version, since)
    named = name_matcher(params["name"]) if params.get("name") else (lambda _: True)
    locked = locked_filter(params.get("locked"), version)
    tagged, addressed = tags_filter(params, version), ip_filter(params)

    look = server_look(cloud, caller, engine, version)
    columns = own_filters(params, lambda server: zone_of(server, look)) \
        if every_filter or version >= "2.83" else (lambda _: True)

    # Nova's lists leave SOFT_DELETED servers out unless the caller allowed every filter asks
    # for them (`soft_deleted`), or asks for changes (which include deleted servers).
    soft = every_filter and params.get("soft_deleted", "").lower() in STRICT_TRUE
    hide_soft = deleted is False and not (since or before) and not soft

    def matches(server: dict[str, Any]) -> bool:
        if hide_soft and server["vm_state"] == SOFT_DELETED:
            return False
        return named(server) and (locked is None or bool(server["locked"]) is locked) and \
            tagged(set(server.get("tags") or ())) and addressed(server) and columns(server)

    limit = page_size(params.get("limit"))
    views = ServerViews(cloud.store)
    sort = sort_params(params, version >= "2.73", caller.is_admin)
    marker = marker_row(views, where, params)
    # Changes include deleted servers, as in Nova.
    rows = views.list(where, deleted=None if (since or before) and deleted is False else deleted,
                      changes_since=since, changes_before=before,
                      marker_seq=None if marker is None or sort else int(marker["seq"]),
                      keep=lambda s: keep(s) and matches(s), limit=None if sort else limit)
    if sort:
        order = ServerOrder(*sort, zone=lambda server: zone_of(server, look))
        rows = order.sorted(rows, marker)[:limit]
    body: dict[str, Any] = {"servers": [detail(r, look) if detailed else summary(r, look.base)
                                        for r in rows]}
    if rows and len(rows) == limit:
        query = urlencode({**params, "marker": dashed(rows[-1]["id"])})
        path = "servers/detail" if detailed else "servers"
        body["servers_links"] = [{"rel": "next",
                                  "href": f"{look.base}/compute/v2.1/{path}?{query}"}]
    return ServerDetailList(**body) if detailed else ServerList(**body)


def scope(params: Mapping[str, str], caller: Caller, engine: PolicyEngine,
          all_rule: str) -> dict[str, Any]:
    """Whose servers: the caller's project, or (by policy, with all_tenants) every project or
    a named one. As in Nova, a project_id or tenant_id without all_tenants is ignored."""
    value = params.get("all_tenants")
    if value is not None and value.lower() not in TRUE + FALSE:
        raise InvalidInput(f"Invalid all_tenants value: {value}")
    wanted = params.get("project_id") or params.get("tenant_id")
    if value is None or value.lower() in FALSE:
        return {"project_id": caller.project_id}
    engine.enforce(all_rule, {"project_id": caller.project_id}, caller.creds)
    return {"project_id": wanted} if wanted else {}


def status_filter(status: str | None, caller: Caller,
                  version: Version) -> tuple[bool | None, Any]:
    """(deleted, keep): which rows by their deleted flag, and a filter on the API status;
    keep is None when the answer is an empty list."""
    if not status:
        return False, lambda _: True
    wanted = status.upper()
    if wanted not in STATUSES:
        if version >= "2.38":
            raise InvalidInput(f"Invalid status value: {status}")
        return False, None
    if wanted == "DELETED":
        if not caller.is_admin:
            raise Forbidden("Only administrators may list deleted instances")
        return True, lambda _: True
    return False, lambda server: status_of(server) == wanted


STRICT_TRUE, STRICT_FALSE = ("1", "t", "true", "on", "y", "yes"), ("0", "f", "false", "off", "n",
                                                                   "no")


def locked_filter(value: str | None, version: Version) -> bool | None:
    """From 2.73 `locked` keeps the (un)locked servers, read strictly as oslo's
    bool_from_string does; earlier microversions ignore it."""
    if value is None or version < "2.73":
        return None
    if value.strip().lower() in STRICT_TRUE + STRICT_FALSE:
        return value.strip().lower() in STRICT_TRUE
    accepted = ", ".join(f"'{v}'" for v in sorted(STRICT_TRUE + STRICT_FALSE))
    raise InvalidInput(f"Unrecognized value '{value}', acceptable values are: {accepted}")


def ip_filter(params: Mapping[str, str]) -> Callable[[dict[str, Any]], bool]:
    """Nova's `ip` and `ip6` filters: regular expressions matched at the start of a fixed
    address of that version (compute API _ip_filter)."""
    patterns = {4: params.get("ip"), 6: params.get("ip6")}
    if not any(patterns.values()):
        return lambda _: True
    try:
        compiled = {v: re.compile(p) for v, p in patterns.items() if p}
    except re.error as bad:
        raise InvalidInput(f"Invalid filter regular expression: {bad}") from None

    def keep(server: dict[str, Any]) -> bool:
        return any(a.get("OS-EXT-IPS:type", "fixed") == "fixed" and a["version"] in compiled
                   and compiled[a["version"]].match(a["addr"])
                   for found in addresses(server).values() for a in found)
    return keep


def tags_filter(params: Mapping[str, str], version: Version) -> Callable[[set[str]], bool]:
    """Nova's tag filters from 2.26 (comma-separated lists): `tags` keeps the servers that have
    all of them, `tags-any` any of them; `not-tags` drops those that have all, `not-tags-any`
    those that have any."""
    if version < "2.26":
        return lambda _: True
    wanted = {name: {t for t in params[name].split(",") if t} for name in
              ("tags", "tags-any", "not-tags", "not-tags-any") if params.get(name)}

    def keep(tags: set[str]) -> bool:
        return (("tags" not in wanted or wanted["tags"] <= tags) and
                ("tags-any" not in wanted or bool(wanted["tags-any"] & tags)) and
                ("not-tags" not in wanted or not wanted["not-tags"] <= tags) and
                ("not-tags-any" not in wanted or not wanted["not-tags-any"] & tags))
    return keep


def changes_since(value: str | None) -> str | None:
    return None if value is None else moment_param("changes-since", value)


def changes_before(params: Mapping[str, str], version: Version,
                   since: str | None) -> str | None:
    """From 2.66 (servers and instance actions): what changed at or before a moment, which
    may not come before `since`. Earlier microversions ignore the parameter."""
    value = params.get("changes-before") if version >= "2.66" else None
    if value is None:
        return None
    before = moment_param("changes-before", value)
    if since is not None and before < since:
        raise InvalidInput("The value of changes-since must be less than or equal to "
                           "changes-before.")
    return before


def moment_param(name: str, value: str) -> str:
    """An ISO 8601 query moment as the read models store times (naive UTC, microseconds)."""
    try:
        moment = datetime.fromisoformat(value.replace(" ", "+"))
    except ValueError:
        raise InvalidInput(f"Invalid filter field: {name} ({value}).") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def page_size(value: str | None) -> int:
    if value is None:
        return MAX_LIMIT
    if not value.lstrip("-").isdigit():
        raise InvalidInput("limit param must be an integer")
    if int(value) < 0:
        raise InvalidInput("limit param must be positive")
    return min(int(value), MAX_LIMIT)


def marker_row(views: ServerViews, where: dict[str, Any],
               params: Mapping[str, str]) -> dict[str, Any] | None:
    marker = params.get("marker")
    if marker is None:
        return None
    row = views.get(_hex_or_none(marker) or "", include_deleted=True)
    if row is None or ("project_id" in where and row["project_id"] != where["project_id"]):
        raise InvalidInput(f"marker [{marker}] not found")
    return row


def _hex_or_none(value: str) -> str | None:
    try:
        return UUID(value).hex
    except ValueError:
        return None
