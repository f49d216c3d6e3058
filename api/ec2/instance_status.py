"""DescribeInstanceStatus: the state of each running instance (all, with IncludeAllInstances),
and its status checks: `ok` while Nova shows it running without a fault, else `impaired` or,
while it is not running, `not-applicable`."""

from __future__ import annotations

from typing import Any

from api.ec2.context import Call, Handler
from api.ec2.ids import ec2_id
from api.ec2.instance_views import find, matcher, state, zone_of
from projections.servers import ServerViews


def check(server: dict[str, Any]) -> dict[str, Any]:
    if state(server)["name"] != "running":
        status, passed = "not-applicable", "insufficient-data"
    elif server.get("fault"):
        status, passed = "impaired", "failed"
    else:
        status, passed = "ok", "passed"
    return {"status": status, "details": [{"name": "reachability", "status": passed}]}


def status_item(call: Call, server: dict[str, Any]) -> dict[str, Any]:
    return {"instanceId": ec2_id("i", server["id"]),
            "availabilityZone": zone_of(call, server), "instanceState": state(server),
            "systemStatus": check(server), "instanceStatus": check(server)}


def describe_instance_status(call: Call) -> dict[str, Any]:
    call.enforce("os_compute_api:servers:detail")
    keep, ids = matcher(call), call.params.listed("InstanceId")
    if ids:
        servers = [find(call, i) for i in ids]
    else:
        servers = ServerViews(call.cloud.store).list({"project_id": call.caller.project_id})
    if not call.params.boolean("IncludeAllInstances"):
        servers = [s for s in servers if state(s)["name"] == "running"]
    return {"instanceStatusSet": [status_item(call, s) for s in servers if keep(s)]}


ACTIONS: dict[str, Handler] = {"DescribeInstanceStatus": describe_instance_status}
