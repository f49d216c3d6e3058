"""Elastic IPs as the project's floating IPs, through the same FloatingIpService and Neutron
policy rules as `/floatingips`: AllocateAddress, DescribeAddresses, AssociateAddress (to an
instance's first port), DisassociateAddress, ReleaseAddress. `eipalloc-…` and `eipassoc-…` are
derived from the floating IP's id, so both APIs name the same address. An address's
`publicIpv4Pool` is its external network's name, as Nova's `pool`; AllocateAddress takes one by
name or id (`PublicIpv4Pool`), the `public` pool by default."""

from __future__ import annotations

from typing import Any

from api.bodies.floating_pools import pool_name, pool_network
from api.ec2.context import Call, Handler
from api.ec2.errors import Ec2Error, combination
from api.ec2.ids import ec2_id
from api.ec2.instance_views import find
from api.routers.compute_servers import caught_up
from domain.errors import NotFound
from domain.network.pool import EXTERNAL_NETWORK_ID
from projections.network_queries import NetworkViews

NOT_FOUND = "InvalidAllocationID.NotFound"


def address_item(row: dict[str, Any]) -> dict[str, Any]:
    return {"publicIp": row["address"], "allocationId": ec2_id("eipalloc", row["id"]),
            "domain": "vpc", "publicIpv4Pool": pool_name(row),
            "instanceId": ec2_id("i", row["instance_id"]) if row.get("instance_id") else None,
            "associationId": ec2_id("eipassoc", row["id"]) if row.get("port_id") else None,
            "privateIpAddress": row.get("fixed_ip"),
            "networkInterfaceOwnerId": row["project_id"] if row.get("port_id") else None}


def held(call: Call) -> list[dict[str, Any]]:
    return NetworkViews(call.cloud.store).floating_ips(call.caller.project_id)


def one(call: Call, field: str, prefix: str, not_found: str) -> dict[str, Any]:
    """The project's floating IP named by `<prefix>Id` or PublicIp."""
    value = call.params.get(field)
    public_ip = call.params.get("PublicIp")
    if not value and not public_ip:
        raise Ec2Error("MissingParameter", f"The request must contain the parameter {field} "
                       "or PublicIp")
    if value and public_ip:
        raise combination(field, "PublicIp")
    for row in held(call):
        if (value and ec2_id(prefix, row["id"]) == value) or (
                not value and row["address"] == public_ip):
            return row
    raise Ec2Error(not_found, f"The address '{value or public_ip}' does not exist")


def allocate_address(call: Call) -> dict[str, Any]:
    call.enforce("create_floatingip")
    asked = call.params.get("PublicIpv4Pool")
    views = NetworkViews(call.cloud.store)
    try:
        network_id = pool_network(views, asked)[0] if asked else EXTERNAL_NETWORK_ID
    except NotFound:
        raise Ec2Error("InvalidPublicIpv4PoolID.NotFound",
                       f"The pool ID '{asked}' does not exist") from None
    floating = call.cloud.floating_ips.allocate(call.ctx, str(call.caller.project_id),
                                                network_id=network_id)
    caught_up(call.cloud)
    row = views.floating_ip(floating.id.hex)
    if row is None:
        raise Ec2Error("InternalError", "The address is not readable yet; describe it.", 500)
    item = address_item(row)
    return {"publicIp": item["publicIp"], "allocationId": item["allocationId"], "domain": "vpc",
            "publicIpv4Pool": item["publicIpv4Pool"]}


def describe_addresses(call: Call) -> dict[str, Any]:
    call.enforce("get_floatingip")
    items = [address_item(r) for r in held(call)]
    for param, field, code in (("PublicIp", "publicIp", "InvalidAddress.NotFound"),
                               ("AllocationId", "allocationId", NOT_FOUND)):
        asked = call.params.listed(param)
        missing = [a for a in asked if a not in {i[field] for i in items}]
        if missing:
            raise Ec2Error(code, f"The address '{missing[0]}' does not exist")
        if asked:
            items = [i for i in items if i[field] in asked]
    return {"addressesSet": items}


def associate_address(call: Call) -> dict[str, Any]:
    call.enforce("update_floatingip")
    floating = one(call, "AllocationId", "eipalloc", NOT_FOUND)
    server = find(call, call.params.required("InstanceId"))
    ports = server.get("ports") or []
    if not ports:
        raise Ec2Error("InvalidInstanceID", "The instance has no network interface yet.")
    call.cloud.floating_ips.associate(call.ctx, floating["id"], ports[0]["id"])
    return {"return": True, "associationId": ec2_id("eipassoc", floating["id"])}


def disassociate_address(call: Call) -> dict[str, Any]:
    call.enforce("update_floatingip")
    floating = one(call, "AssociationId", "eipassoc", "InvalidAssociationID.NotFound")
    call.cloud.floating_ips.disassociate(call.ctx, floating["id"])
    return {"return": True}


def release_address(call: Call) -> dict[str, Any]:
    call.enforce("delete_floatingip")
    floating = one(call, "AllocationId", "eipalloc", NOT_FOUND)
    call.cloud.floating_ips.release(call.ctx, floating["id"])
    return {"return": True}


ACTIONS: dict[str, Handler] = {
    "AllocateAddress": allocate_address,
    "DescribeAddresses": describe_addresses,
    "AssociateAddress": associate_address,
    "DisassociateAddress": disassociate_address,
    "ReleaseAddress": release_address,
}
