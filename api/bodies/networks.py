"""Neutron v2.0 bodies of networks, subnets, ports and floating IPs, from the network read model.

Ids are dashed UUIDs, as Neutron prints them; any UUID spelling is accepted in paths and bodies.
An auto-made project network's carved subnet has an id derived from the network's. The external
pool floating IPs come from is shown as one admin-owned `router:external` network (with its
subnet) with fixed ids, so `openstack floating ip create <external>` can name it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from api.auth import Caller
from api.errors import ApiError
from api.policy import PolicyEngine
from domain.base import natural_id
from domain.errors import NotFound, QuotaExceeded
from domain.network.config import NetworkConfig
from domain.network.pool import EXTERNAL_NETWORK_ID as EXTERNAL_NETWORK_ID
from domain.network.pool import EXTERNAL_SUBNET_ID as EXTERNAL_SUBNET_ID
from projections.network_queries import NetworkViews
from projections.resource_tags import ResourceTagViews
from projections.store import Row

PREFIX = "/network/v2.0"
EXTERNAL_NAME = "public"


def dashed(hex_id: str | None) -> str | None:
    return None if hex_id is None else str(UUID(hex_id))


def parse_ref(ref: str | None, what: str) -> str:
    """The hex id of a UUID in any spelling; anything else names nothing (404)."""
    try:
        return UUID(str(ref)).hex
    except ValueError:
        raise NotFound(f"{what} {ref} could not be found.") from None


def subnet_id(network_id: str) -> str:
    return natural_id("subnet", network_id).hex


# Neutron's names of the quota resources the ledger counts.
NEUTRON_RESOURCES = {"floating_ips": "floatingip", "fixed_ips": "port", "networks": "network",
                     "subnets": "subnet", "security_groups": "security_group",
                     "security_group_rules": "security_group_rule", "routers": "router"}


@contextmanager
def neutron_quota() -> Iterator[None]:
    """Neutron refuses a resource over quota with 409 OverQuota (Nova's family says 403)."""
    try:
        yield
    except QuotaExceeded as over:
        name = NEUTRON_RESOURCES.get(over.resource, over.resource)
        raise ApiError(409, f"Quota exceeded for resources: ['{name}'].") from None


def visible(row: Row | None, caller: Caller, what: str, ref: str) -> Row:
    """Another project's resource does not exist, as far as a non-admin can tell (a shared or
    external network excepted)."""
    if row is None:
        raise NotFound(f"{what} {ref} could not be found.")
    attrs = row.get("attrs") or {}
    public = bool(attrs.get("shared") or attrs.get("router:external")) and what == "Network"
    if row["project_id"] != caller.project_id and not caller.is_admin and not public:
        raise NotFound(f"{what} {ref} could not be found.")
    return row


def target(row: Row | dict[str, Any]) -> dict[str, Any]:
    return {"project_id": row["project_id"], "tenant_id": row["project_id"]}


def owned_by(project_id: str) -> dict[str, str]:
    return {"project_id": project_id, "tenant_id": project_id}


# -- networks -----------------------------------------------------------------------------------
def default_mtu(segment_type: str) -> int:
    return 1450 if segment_type == "vxlan" else 1500


def network_body(row: Row, caller: Caller, engine: PolicyEngine,
                 subnet_ids: list[str] | None = None) -> dict[str, Any]:
    attrs = row["attrs"]
    if subnet_ids is None:
        subnet_ids = [subnet_id(row["id"])] if row["cidr"] else []
    body: dict[str, Any] = {
        "id": dashed(row["id"]), "name": row["name"], **owned_by(row["project_id"]),
        "admin_state_up": attrs["admin_state_up"], "status": "ACTIVE",
        "shared": attrs["shared"], "router:external": attrs["router:external"],
        "subnets": [dashed(s) for s in subnet_ids],
        "mtu": attrs["mtu"] or default_mtu(row["segment_type"]),
        "description": attrs["description"], "availability_zones": ["nova"], "tags": [],
        "created_at": row["created_at"], "updated_at": row["updated_at"],
        "port_security_enabled": attrs["port_security_enabled"],
        "is_default": attrs["is_default"], "availability_zone_hints": [],
        "ipv4_address_scope": None, "ipv6_address_scope": None, "revision_number": 0,
    }
    return with_provider(body, row["segment_type"], row["segmentation_id"], row, caller, engine)


def with_provider(body: dict[str, Any], network_type: str, segmentation_id: int | None,
                  row: Row | dict[str, Any], caller: Caller,
                  engine: PolicyEngine) -> dict[str, Any]:
    """Neutron shows provider attributes only where policy allows (admins, by default)."""
    values = {"provider:network_type": network_type,
              "provider:physical_network": None if network_type != "flat" else "external",
              "provider:segmentation_id": segmentation_id}
    for key, value in values.items():
        if engine.allowed(f"get_network:{key}", target(row), caller.creds):
            body[key] = value
    return body


def external_network_body(caller: Caller, engine: PolicyEngine) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": dashed(EXTERNAL_NETWORK_ID), "name": EXTERNAL_NAME, **owned_by(""),
        "admin_state_up": True, "status": "ACTIVE", "shared": False,
        "router:external": True, "subnets": [dashed(EXTERNAL_SUBNET_ID)], "mtu": 1500,
        "description": "The external pool floating IPs are allocated from.",
        "availability_zones": ["nova"], "tags": [], "created_at": None, "updated_at": None,
        "port_security_enabled": False, "is_default": True, "availability_zone_hints": [],
        "ipv4_address_scope": None, "ipv6_address_scope": None, "revision_number": 0,
    }
    return with_provider(body, "flat", None, {"project_id": ""}, caller, engine)


def is_external(ref: str) -> bool:
    try:
        return UUID(str(ref)).hex == EXTERNAL_NETWORK_ID
    except ValueError:
        return False


# -- subnets ------------------------------------------------------------------------------------
def subnet_body(spec: Row | dict[str, Any]) -> dict[str, Any]:
    extra = spec.get("extra") or {}
    return {
        "id": dashed(spec["id"]), "name": spec["name"], "network_id": dashed(spec["network_id"]),
        **owned_by(spec["project_id"]), "cidr": spec["cidr"], "gateway_ip": spec["gateway_ip"],
        "allocation_pools": [{"start": a, "end": b} for a, b in spec["allocation_pools"]],
        "ip_version": spec["ip_version"], "enable_dhcp": spec["enable_dhcp"],
        "dns_nameservers": list(spec["dns_nameservers"]),
        "host_routes": [{"destination": d, "nexthop": n} for d, n in spec["host_routes"]],
        "ipv6_address_mode": spec["ipv6_address_mode"], "ipv6_ra_mode": spec["ipv6_ra_mode"],
        "subnetpool_id": dashed(spec.get("subnetpool_id")), "description": spec["description"],
        "tags": [], "service_types": list(extra.get("service_types", [])),
        "dns_publish_fixed_ip": False, "segment_id": None, "revision_number": 0,
        "created_at": spec.get("created_at"), "updated_at": spec.get("updated_at"),
    }


def external_subnet_body(config: NetworkConfig) -> dict[str, Any]:
    first, last = config.external_bounds
    external = config.external
    return subnet_body({
        "id": EXTERNAL_SUBNET_ID, "name": f"{EXTERNAL_NAME}-subnet",
        "network_id": EXTERNAL_NETWORK_ID, "project_id": "", "cidr": str(external),
        "gateway_ip": str(external.network_address + 1),
        "allocation_pools": [(str(first), str(last))], "ip_version": 4, "enable_dhcp": False,
        "dns_nameservers": [], "host_routes": [], "ipv6_address_mode": None,
        "ipv6_ra_mode": None, "description": ""})


# -- ports --------------------------------------------------------------------------------------
def port_body(row: Row | dict[str, Any], admin: bool = False) -> dict[str, Any]:
    # A free port (made through this API, bound to no instance) is DOWN, as in Neutron, and so
    # is a port set administratively down. A router's port is bound to its router (ACTIVE, as
    # Neutron shows it once bound; Tempest waits for that before removing an interface).
    owner = row.get("device_owner") or ""
    free = bool(row.get("free")) and not owner.startswith("network:router")
    attrs = row.get("attrs") or {}
    up = bool(attrs.get("admin_state_up", True))
    body = {
        "id": dashed(row["id"]), "name": row.get("name") or "",
        "network_id": dashed(row["network_id"]),
        **owned_by(row["project_id"]), "mac_address": row["mac"],
        "fixed_ips": [{"subnet_id": dashed(f["subnet_id"]), "ip_address": f["ip_address"]}
                      for f in row["fixed_ips"]],
        "device_id": device_ref(row["device_id"]),
        "device_owner": row["device_owner"] if row.get("device_owner") is not None
        else "compute:nova",
        "status": "DOWN" if free or not up else "ACTIVE", "admin_state_up": up,
        "description": row.get("description") or "", "tags": [],
        "security_groups": [],
        "allowed_address_pairs": [{"ip_address": p["ip_address"],
                                   "mac_address": p.get("mac_address") or row["mac"]}
                                  for p in attrs.get("allowed_address_pairs", [])],
        "extra_dhcp_opts": list(attrs.get("extra_dhcp_opts", [])),
        "binding:vnic_type": attrs.get("binding:vnic_type", "normal"),
        "port_security_enabled": False, "revision_number": 0,
        "created_at": row["created_at"], "updated_at": row.get("updated_at") or row["created_at"],
    }
    if admin:
        host = attrs.get("binding:host_id") or ""
        body.update({"binding:host_id": host, "binding:profile": attrs.get("binding:profile") or {},
                     # bound to a host: plugged into that host's Linux bridge by its agent
                     "binding:vif_type": "bridge" if host else "unbound",
                     "binding:vif_details": {"port_filter": False} if host else {}})
    return body


def device_ref(device_id: str) -> str:
    """A device id as Neutron shows it: a UUID dashed, any other label as it was given."""
    try:
        return str(UUID(device_id)) if device_id else ""
    except ValueError:
        return device_id


def stored_device_id(device_id: str) -> str:
    """A device id as the read model keeps it (and filters on): a UUID as hex."""
    try:
        return UUID(device_id).hex
    except ValueError:
        return device_id


def port_row(port: Any) -> dict[str, Any]:
    """The body source of a port aggregate (just changed, the read model may lag)."""
    return {"id": port.id.hex, "network_id": port.network_id, "project_id": port.project_id,
            "mac": port.mac, "fixed_ip": port.fixed_ip, "fixed_ips": port.fixed_ips,
            "device_id": port.device_id, "device_owner": port.device_owner, "name": port.name,
            "description": port.description, "free": not port.is_bound,
            "attrs": port.attributes, "created_at": None}


# -- floating IPs -------------------------------------------------------------------------------
def floating_body(row: Row | dict[str, Any], router_id: str | None = None) -> dict[str, Any]:
    return {
        "id": dashed(row["id"]), "floating_ip_address": row["address"],
        "floating_network_id": dashed(row.get("floating_network_id") or EXTERNAL_NETWORK_ID),
        "router_id": dashed(router_id),
        "port_id": dashed(row.get("port_id")), "fixed_ip_address": row.get("fixed_ip"),
        "status": "ACTIVE" if row.get("port_id") else "DOWN", **owned_by(row["project_id"]),
        "description": "", "tags": [], "port_forwardings": [],
        "created_at": row.get("created_at"), "updated_at": row.get("created_at"),
    }


def floating_row(floating: Any) -> dict[str, Any]:
    """The body source of a floating IP aggregate (just changed, the read model may lag)."""
    return {"id": floating.id.hex, "address": floating.address,
            "project_id": floating.project_id, "port_id": floating.port_id,
            "fixed_ip": floating.fixed_ip, "network_id": floating.network_id,
            "floating_network_id": floating.floating_network_id, "created_at": None}


def scope(caller: Caller) -> str | None:
    """Whose resources a list shows: admins see every project's, as in Neutron."""
    return None if caller.is_admin else caller.project_id


def project_filter(params: Any, caller: Caller) -> str | None:
    """`project_id`/`tenant_id` query filters narrow an admin's list; a member's is its own."""
    wanted = params.get("project_id") or params.get("tenant_id")
    own = scope(caller)
    if own is None:
        return wanted or None
    if wanted and wanted != own:
        return "-"
    return own


def views(cloud: Any) -> NetworkViews:
    return NetworkViews(cloud.store)


def tagged(cloud: Any, kind: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each body with its resource's tags (`standard-attr-tag`), from their read model."""
    found = ResourceTagViews(cloud.store).tags_of(kind, [UUID(b["id"]).hex for b in bodies])
    for body in bodies:
        body["tags"] = found.get(UUID(body["id"]).hex, [])
    return bodies
