"""Neutron v2.0 bodies of networks, subnets, ports and floating IPs, from the network read model.

Ids are dashed UUIDs, as Neutron prints them; any UUID spelling is accepted in paths and bodies.
Each project network has exactly one subnet, whose id derives from the network's. The external
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
from projections.networks import NetworkViews
from projections.store import Row

PREFIX = "/network/v2.0"
EXTERNAL_NETWORK_ID = natural_id("external-network", "floating-pool").hex
EXTERNAL_SUBNET_ID = natural_id("external-subnet", "floating-pool").hex
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
NEUTRON_RESOURCES = {"floating_ips": "floatingip", "fixed_ips": "port", "networks": "network"}


@contextmanager
def neutron_quota() -> Iterator[None]:
    """Neutron refuses a resource over quota with 409 OverQuota (Nova's family says 403)."""
    try:
        yield
    except QuotaExceeded as over:
        name = NEUTRON_RESOURCES.get(over.resource, over.resource)
        raise ApiError(409, f"Quota exceeded for resources: ['{name}'].") from None


def visible(row: Row | None, caller: Caller, what: str, ref: str) -> Row:
    """Another project's resource does not exist, as far as a non-admin can tell."""
    if row is None or (row["project_id"] != caller.project_id and not caller.is_admin):
        raise NotFound(f"{what} {ref} could not be found.")
    return row


def target(row: Row | dict[str, Any]) -> dict[str, Any]:
    return {"project_id": row["project_id"], "tenant_id": row["project_id"]}


def owned_by(project_id: str) -> dict[str, str]:
    return {"project_id": project_id, "tenant_id": project_id}


# -- networks -----------------------------------------------------------------------------------
def network_body(row: Row, caller: Caller, engine: PolicyEngine) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": dashed(row["id"]), "name": row["name"], **owned_by(row["project_id"]),
        "admin_state_up": True, "status": "ACTIVE", "shared": False,
        "router:external": False, "subnets": [dashed(subnet_id(row["id"]))],
        "mtu": 1450 if row["segment_type"] == "vxlan" else 1500,
        "description": "", "availability_zones": ["nova"], "tags": [],
        "created_at": row["created_at"], "updated_at": row["created_at"],
        "port_security_enabled": False, "is_default": False,
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
        "port_security_enabled": False, "is_default": True,
    }
    return with_provider(body, "flat", None, {"project_id": ""}, caller, engine)


def is_external(ref: str) -> bool:
    try:
        return UUID(str(ref)).hex == EXTERNAL_NETWORK_ID
    except ValueError:
        return False


# -- subnets ------------------------------------------------------------------------------------
def subnet_body(row: Row) -> dict[str, Any]:
    subnet = row["subnet"]
    return {
        "id": dashed(subnet_id(row["id"])), "name": f"{row['name']}-subnet",
        "network_id": dashed(row["id"]), **owned_by(row["project_id"]),
        "cidr": subnet["cidr"], "gateway_ip": subnet["gateway_ip"],
        "allocation_pools": subnet["allocation_pools"], "ip_version": 4,
        "enable_dhcp": True, "dns_nameservers": [], "host_routes": [],
        "ipv6_address_mode": None, "ipv6_ra_mode": None, "subnetpool_id": None,
        "description": "", "tags": [], "service_types": [],
        "created_at": row["created_at"], "updated_at": row["created_at"],
    }


def external_subnet_body(config: NetworkConfig) -> dict[str, Any]:
    first, last = config.external_bounds
    external = config.external
    return {
        "id": dashed(EXTERNAL_SUBNET_ID), "name": f"{EXTERNAL_NAME}-subnet",
        "network_id": dashed(EXTERNAL_NETWORK_ID), **owned_by(""),
        "cidr": str(external), "gateway_ip": str(external.network_address + 1),
        "allocation_pools": [{"start": str(first), "end": str(last)}], "ip_version": 4,
        "enable_dhcp": False, "dns_nameservers": [], "host_routes": [],
        "ipv6_address_mode": None, "ipv6_ra_mode": None, "subnetpool_id": None,
        "description": "", "tags": [], "service_types": [],
        "created_at": None, "updated_at": None,
    }


# -- ports --------------------------------------------------------------------------------------
def port_body(row: Row | dict[str, Any]) -> dict[str, Any]:
    # A free port (made through this API, bound to no instance) is DOWN, as in Neutron.
    free = bool(row.get("free"))
    return {
        "id": dashed(row["id"]), "name": row.get("name") or "",
        "network_id": dashed(row["network_id"]),
        **owned_by(row["project_id"]), "mac_address": row["mac"],
        "fixed_ips": [{"subnet_id": dashed(subnet_id(row["network_id"])),
                       "ip_address": row["fixed_ip"]}],
        "device_id": device_ref(row["device_id"]),
        "device_owner": row["device_owner"] if row.get("device_owner") is not None
        else "compute:nova",
        "status": "DOWN" if free else "ACTIVE", "admin_state_up": True,
        "description": row.get("description") or "", "tags": [],
        "security_groups": [], "allowed_address_pairs": [], "extra_dhcp_opts": [],
        "binding:vnic_type": "normal", "port_security_enabled": False,
        "created_at": row["created_at"], "updated_at": row["created_at"],
    }


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
            "mac": port.mac, "fixed_ip": port.fixed_ip, "device_id": port.device_id,
            "device_owner": port.device_owner, "name": port.name,
            "description": port.description, "free": not port.is_bound, "created_at": None}


# -- floating IPs -------------------------------------------------------------------------------
def floating_body(row: Row | dict[str, Any]) -> dict[str, Any]:
    return {
        "id": dashed(row["id"]), "floating_ip_address": row["address"],
        "floating_network_id": dashed(EXTERNAL_NETWORK_ID), "router_id": None,
        "port_id": dashed(row.get("port_id")), "fixed_ip_address": row.get("fixed_ip"),
        "status": "ACTIVE" if row.get("port_id") else "DOWN", **owned_by(row["project_id"]),
        "description": "", "tags": [], "port_forwardings": [],
        "created_at": row.get("created_at"), "updated_at": row.get("created_at"),
    }


def floating_row(floating: Any) -> dict[str, Any]:
    """The body source of a floating IP aggregate (just changed, the read model may lag)."""
    return {"id": floating.id.hex, "address": floating.address,
            "project_id": floating.project_id, "port_id": floating.port_id,
            "fixed_ip": floating.fixed_ip, "created_at": None}


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
