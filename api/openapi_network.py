"""The OpenAPI document's bodies of Neutron's networks, subnets, ports and floating IPs
(api/network_views.py).

Neutron's `fields` query parameter trims a GET's bodies to the attributes asked for, so the
schemas of GET answers type every attribute but require none; what a create or update answers
is never trimmed, and requires the core attributes."""

from __future__ import annotations

from api.openapi_schema import (
    BOOL,
    INT,
    STR,
    Schema,
    answers,
    array,
    enum,
    listing,
    loose,
    nullable,
    obj,
    wrap,
)

V20 = "/network/v2.0"
NULL_STR = nullable(STR)
OWNED: dict[str, Schema] = {"id": STR, "project_id": STR, "tenant_id": STR,
                            "created_at": NULL_STR, "updated_at": NULL_STR}
STATUS = enum(["ACTIVE", "DOWN", "BUILD", "ERROR"])

NETWORK = obj({
    **OWNED, "name": STR, "admin_state_up": BOOL, "status": STATUS, "shared": BOOL,
    "router:external": BOOL, "subnets": array(STR), "mtu": INT}, {
    "description": STR, "availability_zones": array(STR), "tags": array(STR),
    "port_security_enabled": BOOL, "is_default": BOOL,
    # provider attributes: admins only, by Neutron's default policy
    "provider:network_type": STR, "provider:physical_network": NULL_STR,
    "provider:segmentation_id": nullable(INT)})
SUBNET = obj({
    **OWNED, "name": STR, "network_id": STR, "cidr": STR, "gateway_ip": NULL_STR,
    "allocation_pools": array(obj({"start": STR, "end": STR})), "ip_version": enum([4, 6]),
    "enable_dhcp": BOOL}, {
    "dns_nameservers": array(STR), "host_routes": array({"type": "object"}),
    "ipv6_address_mode": NULL_STR, "ipv6_ra_mode": NULL_STR, "subnetpool_id": NULL_STR,
    "description": STR, "tags": array(STR), "service_types": array(STR)})
PORT = obj({
    **OWNED, "name": STR, "network_id": STR, "mac_address": STR,
    "fixed_ips": array(obj({"subnet_id": STR, "ip_address": STR})), "device_id": STR,
    "device_owner": STR, "status": STATUS, "admin_state_up": BOOL}, {
    "description": STR, "tags": array(STR), "security_groups": array(STR),
    "allowed_address_pairs": array({"type": "object"}),
    "extra_dhcp_opts": array({"type": "object"}), "binding:vnic_type": STR,
    "port_security_enabled": BOOL})
FLOATING_IP = obj({
    **OWNED, "floating_ip_address": STR, "floating_network_id": STR, "router_id": NULL_STR,
    "port_id": NULL_STR, "fixed_ip_address": NULL_STR,
    "status": enum(["ACTIVE", "DOWN", "ERROR"])}, {
    "description": STR, "tags": array(STR), "port_forwardings": array({"type": "object"})})


def _read(key: str, collection: str, item: Schema) -> dict[tuple[str, str], dict[str, Schema]]:
    path = f"{V20}/{collection}"
    return {("get", path): answers(listing(collection, loose(item))),
            ("get", f"{path}/{{{key}}}"): answers(wrap(collection[:-1], loose(item)))}


RESPONSES: dict[tuple[str, str], dict[str, Schema]] = {
    **_read("network_id", "networks", NETWORK),
    **_read("ref", "subnets", SUBNET),
    **_read("port_id", "ports", PORT),
    **_read("floating_ip_id", "floatingips", FLOATING_IP),
    ("post", f"{V20}/networks"): answers(wrap("network", NETWORK), 201),
    ("post", f"{V20}/ports"): answers(wrap("port", PORT), 201),
    ("put", f"{V20}/ports/{{port_id}}"): answers(wrap("port", PORT)),
    ("post", f"{V20}/floatingips"): answers(wrap("floatingip", FLOATING_IP), 201),
    ("put", f"{V20}/floatingips/{{floating_ip_id}}"): answers(wrap("floatingip",
                                                                    FLOATING_IP)),
}
