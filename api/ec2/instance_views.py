"""How EC2 shows a server: `i-…` id, state code and name from Nova's vm and task states,
flavor name as instance type; DescribeInstances over the servers read model, grouped by
reservation, filtered and paged (NextToken: the read model's sequence number of the last one)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.ec2.context import Call
from api.ec2.errors import Ec2Error, combination, invalid_value
from api.ec2.ids import ec2_id, resolved
from projections.servers import ServerViews

NOT_FOUND = "InvalidInstanceID.NotFound"
PENDING, RUNNING, SHUTTING_DOWN, TERMINATED, STOPPING, STOPPED = (
    (0, "pending"), (16, "running"), (32, "shutting-down"), (48, "terminated"),
    (64, "stopping"), (80, "stopped"))
BY_TASK = {"deleting": SHUTTING_DOWN, "powering-off": STOPPING, "powering-on": PENDING,
           "scheduling": PENDING, "spawning": PENDING, "soft-deleting": SHUTTING_DOWN}
BY_VM = {"building": PENDING, "active": RUNNING, "deleted": TERMINATED, "stopped": STOPPED,
         "shelved": STOPPED, "shelved_offloaded": STOPPED, "error": STOPPED,
         "paused": STOPPED, "suspended": STOPPED,
         "soft-delete": TERMINATED}  # as Nova's EC2 API showed a SOFT_DELETED server


def state(server: dict[str, Any]) -> dict[str, Any]:
    if server.get("deleted"):
        code, name = TERMINATED
    else:
        code, name = BY_TASK.get(server.get("task_state") or "") or BY_VM.get(
            server["vm_state"], RUNNING)
    return {"code": code, "name": name}


def zone_of(call: Call, server: dict[str, Any]) -> str | None:
    host = call.cloud.capacity.hosts().get(server.get("host") or "")
    return host.availability_zone if host is not None else server.get("requested_az")


def tag_set(row: dict[str, Any]) -> list[dict[str, str]]:
    """EC2 tags of a server or volume: its metadata."""
    return [{"key": k, "value": v} for k, v in sorted((row.get("metadata") or {}).items())]


def instance_item(call: Call, server: dict[str, Any]) -> dict[str, Any]:
    ports = server.get("ports") or []
    fixed = next((p["fixed_ip"] for p in ports if p.get("fixed_ip")), None)
    floating = next((p["floating_ip"] for p in ports if p.get("floating_ip")), None)
    image = server.get("image") or {}
    fault = server.get("fault")
    return {
        "instanceId": ec2_id("i", server["id"]),
        "imageId": ec2_id("ami", image["id"]) if image.get("id") else None,
        "instanceState": state(server),
        "privateDnsName": server["name"], "dnsName": floating or "",
        "reason": fault["message"] if fault else "",
        "keyName": server.get("key_name"),
        "amiLaunchIndex": server.get("launch_index", 0),
        "instanceType": (server.get("flavor") or {}).get("name"),
        "launchTime": server.get("launched_at") or server["created_at"],
        "placement": {"availabilityZone": zone_of(call, server), "tenancy": "default"},
        "privateIpAddress": fixed, "ipAddress": floating,
        "rootDeviceType": "instance-store", "virtualizationType": "hvm", "hypervisor": "xen",
        "architecture": "x86_64", "tagSet": tag_set(server),
        "stateReason": {"code": "Server.InternalError", "message": fault["message"]}
        if fault else None,
    }


def reservations(call: Call, servers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for server in servers:
        grouped.setdefault(server["reservation_id"], []).append(server)
    return [{"reservationId": rid, "ownerId": members[0]["project_id"], "groupSet": [],
             "instancesSet": [instance_item(call, s) for s in members]}
            for rid, members in grouped.items()]


def find(call: Call, instance_id: str, include_deleted: bool = False) -> dict[str, Any]:
    """The caller's project's server an `i-…` id names (any project's, for an admin)."""
    key = resolved(call.cloud.store, "servers", "i", instance_id, NOT_FOUND)
    server = ServerViews(call.cloud.store).get(key, include_deleted)
    if server is None or (server["project_id"] != call.caller.project_id
                          and not call.caller.is_admin):
        raise Ec2Error(NOT_FOUND, f"The instance ID '{instance_id}' does not exist")
    return server


FILTERS: dict[str, Callable[[Call, dict[str, Any]], Any]] = {
    "instance-id": lambda c, s: ec2_id("i", s["id"]),
    "instance-state-name": lambda c, s: state(s)["name"],
    "instance-state-code": lambda c, s: str(state(s)["code"]),
    "instance-type": lambda c, s: (s.get("flavor") or {}).get("name"),
    "key-name": lambda c, s: s.get("key_name"),
    "image-id": lambda c, s: instance_item(c, s)["imageId"],
    "reservation-id": lambda c, s: s["reservation_id"],
    "availability-zone": lambda c, s: zone_of(c, s),
    "private-dns-name": lambda c, s: s["name"],
}


def matches(call: Call, server: dict[str, Any], name: str, values: list[str]) -> bool:
    """One filter; `tag:KEY` and `tag-key` read the server's tags (its metadata)."""
    tagged = server.get("metadata") or {}
    if name == "tag-key":
        return bool(set(tagged) & set(values))
    if name.startswith("tag:"):
        return tagged.get(name[4:]) in values
    return FILTERS[name](call, server) in values


def matcher(call: Call) -> Callable[[dict[str, Any]], bool]:
    filters = call.params.filters()
    unknown = {f for f in set(filters) - set(FILTERS)
               if f != "tag-key" and not f.startswith("tag:")}
    if unknown:
        raise invalid_value("Filter.Name", sorted(unknown)[0], "This filter is not supported.")
    return lambda s: all(matches(call, s, name, values) for name, values in filters.items())


def next_seq(token: str | None) -> int | None:
    if token is None:
        return None
    if not token.isdigit() or len(token) > 18:
        raise Ec2Error("InvalidPaginationToken", f"The pagination token '{token[:40]}' is not "
                       "valid or is expired.")
    return int(token)


def describe_instances(call: Call) -> dict[str, Any]:
    call.enforce("os_compute_api:servers:detail")
    keep, ids = matcher(call), call.params.listed("InstanceId")
    if ids:
        if call.params.get("MaxResults") is not None:
            raise combination("instancesSet", "maxResults")
        servers = [find(call, i, include_deleted=True) for i in ids]
        return {"reservationSet": reservations(call, [s for s in servers if keep(s)])}
    page = call.params.integer("MaxResults", 1000, 5, 1000)
    rows = ServerViews(call.cloud.store).list(
        {"project_id": call.caller.project_id}, keep=keep, limit=page + 1,
        marker_seq=next_seq(call.params.get("NextToken")))
    body: dict[str, Any] = {"reservationSet": reservations(call, rows[:page])}
    if len(rows) > page:
        body["nextToken"] = str(rows[page - 1]["seq"])
    return body
