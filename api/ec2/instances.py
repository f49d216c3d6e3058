"""RunInstances, Start/Stop/Reboot/TerminateInstances and GetConsoleOutput: the same
BootService and ActionService commands (policy rules, quotas, events) as `/servers`."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from api.ec2.context import Call, Handler
from api.ec2.errors import Ec2Error, invalid_value
from api.ec2.ids import resolved
from api.ec2.instance_views import describe_instances, find, reservations, state
from api.ec2.security_groups import group_ids
from api.ec2.tags import NAME, launch_tags
from api.routers.compute_servers import caught_up, checked_zone
from domain.compute.boot_token import MAX_TOKEN
from domain.errors import InvalidInput, NotFound
from domain.services.compute.boot import BootRequest
from projections.console_logs import ConsoleLogViews
from projections.flavors import FlavorViews
from projections.keypairs import KeypairViews
from projections.servers import ServerViews

MAX_COUNT = 1000
DEFAULT_TYPE = "m1.small"  # EC2's default instance type, a flavor of the seeded set too
DEFAULT_NAME = "ec2-instance"  # a server's name when no Name tag is given at launch


def flavor_ref(call: Call, instance_type: str) -> str:
    rows = FlavorViews(call.cloud.store).list(call.caller.project_id, call.caller.is_admin)
    found = next((r["flavorid"] for r in rows if r["name"] == instance_type), None)
    if found is None:
        raise invalid_value("InstanceType", instance_type, "No such instance type.")
    return str(found)


def user_data(call: Call) -> str | None:
    value = call.params.get("UserData")
    if value is None:
        return None
    try:
        base64.b64decode(value, validate=True)
    except binascii.Error:
        raise invalid_value("UserData", "...", "It must be base64.") from None
    return value


def client_token(call: Call) -> str | None:
    token = call.params.get("ClientToken")
    if token is None or token == "":
        return None
    if len(token) > MAX_TOKEN or not token.isascii():
        raise invalid_value("ClientToken", token[:20],
                            f"It must be at most {MAX_TOKEN} ASCII characters.")
    return token


def boot_request(call: Call) -> BootRequest:
    p = call.params
    image = resolved(call.cloud.store, "images", "ami", p.required("ImageId"),
                     "InvalidAMIID.NotFound")
    low = p.integer("MinCount", -1, 1, MAX_COUNT)
    high = p.integer("MaxCount", -1, 1, MAX_COUNT)
    if low < 0 or high < 0:
        raise Ec2Error("MissingParameter", "The request must contain the parameters MinCount "
                       "and MaxCount")
    if low > high:
        raise invalid_value("MinCount", str(low), "It must not exceed MaxCount.")
    key_name = p.get("KeyName")
    if key_name and KeypairViews(call.cloud.store).get(call.caller.user_id, key_name) is None:
        raise Ec2Error("InvalidKeyPair.NotFound", f"The key pair '{key_name}' does not exist")
    try:
        zone = checked_zone(call.cloud, p.get("Placement.AvailabilityZone") or None)
    except InvalidInput:
        raise invalid_value("Placement.AvailabilityZone",
                            str(p.get("Placement.AvailabilityZone"))) from None
    tagged = launch_tags(p)
    return BootRequest(name=tagged.get(NAME) or DEFAULT_NAME, metadata=tagged,
                       flavor_ref=flavor_ref(call, p.get("InstanceType") or DEFAULT_TYPE),
                       image_ref=image, key_name=key_name or None, availability_zone=zone,
                       user_data=user_data(call), min_count=low, max_count=high,
                       security_groups=group_ids(call), client_token=client_token(call))


def run_instances(call: Call) -> dict[str, Any]:
    call.enforce("os_compute_api:servers:create")
    request = boot_request(call)
    try:
        instances = call.cloud.boots.boot(call.ctx, request)
    except NotFound as missing:
        raise Ec2Error("InvalidAMIID.NotFound", str(missing)) from None
    caught_up(call.cloud)
    views = ServerViews(call.cloud.store)
    # A token's earlier boot is answered as it is now, its terminated instances too.
    servers = [s for i in instances if (s := views.get(i.id.hex, include_deleted=True)) is not None]
    return reservations(call, servers)[0]


def changed(call: Call, rule: str, change: Any) -> dict[str, Any]:
    """Each `InstanceId.N` found, allowed and changed; its state before and after."""
    ids = call.params.listed("InstanceId")
    if not ids:
        raise Ec2Error("MissingParameter", "The request must contain the parameter InstanceId")
    servers = [find(call, i) for i in ids]
    for server in servers:
        call.enforce(rule, {"project_id": server["project_id"], "user_id": server["user_id"]})
    for server in servers:
        change(server["id"])
    caught_up(call.cloud)
    views = ServerViews(call.cloud.store)
    items = []
    for instance_id, server in zip(ids, servers, strict=True):
        now = views.get(server["id"], include_deleted=True) or server
        items.append({"instanceId": instance_id, "previousState": state(server),
                      "currentState": state(now)})
    return {"instancesSet": items}


def start_instances(call: Call) -> dict[str, Any]:
    return changed(call, "os_compute_api:servers:start",
                   lambda i: call.cloud.actions.act(call.ctx, i, "start"))


def stop_instances(call: Call) -> dict[str, Any]:
    return changed(call, "os_compute_api:servers:stop",
                   lambda i: call.cloud.actions.act(call.ctx, i, "stop"))


def terminate_instances(call: Call) -> dict[str, Any]:
    return changed(call, "os_compute_api:servers:delete",
                   lambda i: call.cloud.actions.delete(call.ctx, i))


def reboot_instances(call: Call) -> dict[str, Any]:
    changed(call, "os_compute_api:servers:reboot",
            lambda i: call.cloud.actions.act(call.ctx, i, "reboot"))
    return {"return": True}


def get_console_output(call: Call) -> dict[str, Any]:
    instance_id = call.params.required("InstanceId")
    server = find(call, instance_id)
    call.enforce("os_compute_api:os-console-output",
                 {"project_id": server["project_id"], "user_id": server["user_id"]})
    text = ConsoleLogViews(call.cloud.store).read(server["id"])
    return {"instanceId": instance_id, "timestamp": server["updated_at"],
            "output": base64.b64encode(text.encode()).decode()}


ACTIONS: dict[str, Handler] = {
    "RunInstances": run_instances,
    "DescribeInstances": describe_instances,
    "StartInstances": start_instances,
    "StopInstances": stop_instances,
    "RebootInstances": reboot_instances,
    "TerminateInstances": terminate_instances,
    "GetConsoleOutput": get_console_output,
}
