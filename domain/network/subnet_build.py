"""A `SubnetSpec` from what a user asks for (create and update), with Neutron's defaults and
checks; every refusal is an InvalidInput (400) and nothing is recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.errors import InvalidInput
from domain.network.subnet_spec import (
    SubnetSpec,
    check_dns,
    check_ipv6_modes,
    check_pools,
    check_routes,
    default_pools,
    parse_cidr,
    parse_ip,
)

UNSET: Any = object()
UPDATABLE = ("name", "description", "gateway_ip", "allocation_pools", "dns_nameservers",
             "host_routes", "enable_dhcp")
MAX_NAME_LENGTH = 255


@dataclass(frozen=True)
class SubnetRequest:
    """A subnet as asked for; UNSET means "not given" (Neutron's defaults apply)."""

    cidr: Any
    ip_version: Any = 4
    name: Any = ""
    description: Any = ""
    gateway_ip: Any = UNSET
    allocation_pools: Any = UNSET
    dns_nameservers: Any = ()
    host_routes: Any = ()
    enable_dhcp: Any = True
    ipv6_ra_mode: Any = None
    ipv6_address_mode: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    subnetpool_id: str | None = None  # hex; the CIDR (or `prefixlen`) is then cut from it
    prefixlen: Any = None


def check_label(value: Any, what: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_NAME_LENGTH:
        raise InvalidInput(f"Invalid input for {what}: a string of at most {MAX_NAME_LENGTH} "
                           "characters is expected.")
    return value


def check_gateway(network: Any, gateway: Any) -> str | None:
    if gateway is None:
        return None
    text = parse_ip(gateway, network, "gateway_ip")
    if network.version == 4 and text in (str(network.network_address),
                                         str(network.broadcast_address)):
        raise InvalidInput(f"Gateway is not valid on subnet: {text} is the network or "
                           f"broadcast address of {network}.")
    return text


def build_subnet(subnet_id: str, network_id: str, project_id: str,
                 req: SubnetRequest) -> SubnetSpec:
    if req.ip_version not in (4, 6) or isinstance(req.ip_version, bool):
        raise InvalidInput(f"Invalid input for ip_version. Reason: {req.ip_version!r} is not "
                           "in [4, 6].")
    network = parse_cidr(req.cidr, req.ip_version)
    check_ipv6_modes(req.ip_version, req.ipv6_ra_mode, req.ipv6_address_mode)
    if req.gateway_ip is UNSET:
        gateway: str | None = str(network.network_address + 1)
    else:
        gateway = check_gateway(network, req.gateway_ip)
    if req.allocation_pools is UNSET or req.allocation_pools is None:
        pools = default_pools(network, gateway)
    else:
        pools = check_pools(network, req.allocation_pools, gateway)
    if not isinstance(req.enable_dhcp, bool):
        raise InvalidInput("Invalid input for enable_dhcp: a boolean is expected.")
    return SubnetSpec(
        id=subnet_id, network_id=network_id, project_id=project_id, cidr=str(network),
        ip_version=req.ip_version, gateway_ip=gateway, allocation_pools=pools,
        name=check_label(req.name, "name"),
        description=check_label(req.description, "description"),
        enable_dhcp=req.enable_dhcp, dns_nameservers=check_dns(network, req.dns_nameservers or ()),
        host_routes=check_routes(network, req.host_routes or ()),
        ipv6_ra_mode=req.ipv6_ra_mode, ipv6_address_mode=req.ipv6_address_mode,
        subnetpool_id=req.subnetpool_id, extra=dict(req.extra))


def update_subnet(spec: SubnetSpec, changes: dict[str, Any]) -> SubnetSpec:
    """The subnet with `changes` applied; cidr, ip_version and the IPv6 modes are fixed."""
    fixed = set(changes) - set(UPDATABLE)
    if fixed:
        raise InvalidInput(f"Cannot update read-only attribute {sorted(fixed)[0]}.")
    network = spec.network
    checked: dict[str, Any] = {}
    for key, value in changes.items():
        if key in ("name", "description"):
            checked[key] = check_label(value, key)
        elif key == "gateway_ip":
            checked[key] = check_gateway(network, value)
        elif key == "dns_nameservers":
            checked[key] = check_dns(network, value or ())
        elif key == "host_routes":
            checked[key] = check_routes(network, value or ())
        elif key == "enable_dhcp":
            if not isinstance(value, bool):
                raise InvalidInput("Invalid input for enable_dhcp: a boolean is expected.")
            checked[key] = value
    gateway = checked.get("gateway_ip", spec.gateway_ip)
    if "allocation_pools" in changes:
        checked["allocation_pools"] = check_pools(network, changes["allocation_pools"] or (),
                                                  gateway)
    elif "gateway_ip" in changes and gateway is not None and spec.in_pools(gateway):
        raise InvalidInput(f"Gateway ip {gateway} conflicts with the allocation pools of "
                           f"subnet {spec.cidr}.")
    return spec.with_changes(checked)
