"""Nova's 2.75 query strictness: from that microversion, its query schemas for these routes set
`additionalProperties` False, so a parameter the route does not know is 400 instead of being
ignored. A route names what it knows: `dependencies=[known_query("limit", "marker")]`.

2.102 made the rest of Nova's GETs strict, none of which takes a query parameter: those are
listed here by route (STRICT_FROM_2102) and checked by one app-wide dependency (`strict_2102`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import Depends, Request

from api.errors import ApiError
from api.microversions import ComputeVersion, requested_version
from domain.errors import InvalidInput

STRICT_SINCE = "2.75"


def check_known(names: Iterable[str], known: frozenset[str]) -> None:
    """jsonschema's additionalProperties message, as Nova shows it for a query."""
    unknown = [name for name in dict.fromkeys(names) if name not in known]
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        verb = "was" if len(unknown) == 1 else "were"
        raise InvalidInput(f"Additional properties are not allowed ({listed} {verb} unexpected)")


def known_query(*names: str) -> Any:
    """A route dependency: from 2.75 only `names` may be in the query string."""
    known = frozenset(names)

    def strict(request: Request, version: ComputeVersion) -> None:
        if version >= STRICT_SINCE:
            check_known(request.query_params.keys(), known)

    checker: Callable[..., None] = strict
    return Depends(checker)


_V21 = "/compute/v2.1"
# Nova's GETs whose query schema became {"additionalProperties": False} with no properties at
# 2.102 (aggregates, attach_interfaces, availability_zone, extension_info, flavor_access,
# flavors, flavors_extraspecs, instance_actions, instance_usage_audit_log, ips, quota_classes,
# security_groups, server_groups, server_metadata, server_password, server_topology, servers).
STRICT_FROM_2102 = frozenset(f"{_V21}{path}" for path in (
    "/os-aggregates", "/os-aggregates/{aggregate_id}", "/servers/{server_id}/os-interface",
    "/servers/{server_id}/os-interface/{port_id}", "/os-availability-zone",
    "/os-availability-zone/detail", "/extensions", "/extensions/{extension_alias}",
    "/flavors/{flavorid}/os-flavor-access", "/flavors/{flavorid}",
    "/flavors/{flavorid}/os-extra_specs", "/flavors/{flavorid}/os-extra_specs/{key}",
    "/servers/{server_id}/os-instance-actions/{request_id}", "/os-instance_usage_audit_log",
    "/os-instance_usage_audit_log/{before}", "/servers/{server_id}/ips",
    "/servers/{server_id}/ips/{network_label}", "/os-quota-class-sets/{class_name}",
    "/servers/{server_id}/os-security-groups", "/os-server-groups/{group_id}",
    "/servers/{server_id}/metadata", "/servers/{server_id}/metadata/{key}",
    "/servers/{server_id}/os-server-password", "/servers/{server_id}/topology",
    "/servers/{server_id}"))


def strict_2102(request: Request) -> None:
    """App-wide: a query parameter on a GET of STRICT_FROM_2102 is 400 from 2.102. A version
    that is malformed or out of range is left to the route's own check."""
    route = request.scope.get("route")
    if request.method != "GET" or getattr(route, "path", None) not in STRICT_FROM_2102 or \
            not request.query_params:
        return
    try:
        version = requested_version(request.headers.items())
    except ApiError:
        return
    if version >= "2.102":
        check_known(request.query_params.keys(), frozenset())
