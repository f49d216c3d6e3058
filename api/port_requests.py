"""The bodies of `/network/v2.0/ports` requests and the checks on what they ask for (a bad
value is a 400 before anything is recorded)."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.bodies.networks import dashed, parse_ref
from api.network_lists import values
from domain.errors import InvalidInput, NotFound
from domain.network.addressing import FixedIpRequest
from domain.services.network.ports import check_mac

VNIC_TYPES = ("normal", "direct", "macvtap", "baremetal", "direct-physical", "virtio-forwarder",
              "smart-nic", "vdpa", "remote-managed")
Label = Field(default="", max_length=255)


class FixedIp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ip_address: str | None = Field(default=None, max_length=64)
    subnet_id: str | None = Field(default=None, max_length=64)


class AddressPair(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ip_address: str = Field(max_length=64)
    mac_address: str | None = Field(default=None, max_length=64)


class DhcpOption(BaseModel):
    model_config = ConfigDict(extra="forbid")
    opt_name: str = Field(min_length=1, max_length=64)
    opt_value: str | None = Field(default=None, max_length=255)
    ip_version: int = 4


class PortCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    network_id: str = Field(max_length=64)
    name: str = Label
    description: str = Label
    device_id: str = Label
    device_owner: str = Label
    mac_address: str | None = Field(default=None, max_length=64)
    fixed_ips: list[FixedIp] | None = None
    project_id: str | None = Field(default=None, max_length=64)
    tenant_id: str | None = Field(default=None, max_length=64)
    admin_state_up: bool = True
    # None: the network's port_security_enabled (Neutron's default for its ports).
    port_security_enabled: bool | None = None
    # None: the project's default group (none when port security is off).
    security_groups: list[str] | None = None
    vnic_type: str = Field(default="normal", alias="binding:vnic_type")
    host_id: str = Field(default="", max_length=255, alias="binding:host_id")
    profile: dict[str, Any] = Field(default_factory=dict, alias="binding:profile")
    allowed_address_pairs: list[AddressPair] | None = None
    extra_dhcp_opts: list[DhcpOption] | None = None


class PortUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=255)
    admin_state_up: bool | None = None
    fixed_ips: list[FixedIp] | None = None
    vnic_type: str | None = Field(default=None, alias="binding:vnic_type")
    host_id: str | None = Field(default=None, max_length=255, alias="binding:host_id")
    profile: dict[str, Any] | None = Field(default=None, alias="binding:profile")
    allowed_address_pairs: list[AddressPair] | None = None
    extra_dhcp_opts: list[DhcpOption] | None = None
    security_groups: list[str] | None = None
    port_security_enabled: bool | None = None


class PortUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    port: PortUpdate


def check_supported(req: PortCreate) -> None:
    """What a port here cannot be: refused, rather than shown differently than asked."""
    check_vnic(req.vnic_type)


def check_vnic(vnic_type: str | None) -> None:
    if vnic_type is not None and vnic_type not in VNIC_TYPES:
        raise InvalidInput(f"Invalid input for binding:vnic_type. Reason: '{vnic_type}' is "
                           f"not in {list(VNIC_TYPES)}.")


def address_pair(pair: AddressPair) -> dict[str, Any]:
    """An address (or CIDR) the port may also send from; its MAC is the port's unless given."""
    try:
        network = ip_network(pair.ip_address, strict=False)
    except ValueError:
        raise InvalidInput(f"Invalid input for allowed_address_pairs: '{pair.ip_address}' is "
                           "not an IP address or CIDR.") from None
    text = str(network.network_address) if network.num_addresses == 1 and \
        "/" not in pair.ip_address else str(network)
    mac = None if pair.mac_address is None else check_mac(pair.mac_address)
    return {"ip_address": text, "mac_address": mac}


def dhcp_options(current: list[dict[str, Any]],
                 wanted: list[DhcpOption]) -> list[dict[str, Any]]:
    """Neutron's merge: an option named again replaces the old one, a null value removes it."""
    merged = {(o["opt_name"], o["ip_version"]): o for o in current}
    for option in wanted:
        if option.ip_version not in (4, 6):
            raise InvalidInput(f"Invalid input for extra_dhcp_opts: ip_version "
                               f"{option.ip_version} is not 4 or 6.")
        key = (option.opt_name, option.ip_version)
        if option.opt_value is None:
            merged.pop(key, None)
        else:
            merged[key] = option.model_dump()
    return list(merged.values())


def requested_ips(entries: list[FixedIp] | None) -> tuple[FixedIpRequest, ...] | None:
    """The fixed IPs asked for, subnet ids as hex (one that names nothing is a 400)."""
    if entries is None:
        return None
    wanted = []
    for entry in entries:
        subnet = None
        if entry.subnet_id is not None:
            try:
                subnet = parse_ref(entry.subnet_id, "Subnet")
            except NotFound:
                raise InvalidInput(f"Invalid input for fixed_ips: subnet_id "
                                   f"'{entry.subnet_id}' is not a valid UUID.") from None
        wanted.append(FixedIpRequest(subnet_id=subnet, ip_address=entry.ip_address))
    return tuple(wanted)


def fixed_ips_match(body: dict[str, Any], params: Any) -> bool:
    """Neutron's `fixed_ips=ip_address=X` / `subnet_id=Y` / `ip_address_substr=Z` filters."""
    for wanted in values(params, "fixed_ips"):
        key, _, value = wanted.partition("=")
        entries = body.get("fixed_ips") or []
        if key == "ip_address_substr":
            ok = any(value in e["ip_address"] for e in entries)
        elif key == "subnet_id":
            ok = any(e["subnet_id"] == dashed(parse_ref(value, "Subnet")) for e in entries)
        else:
            ok = any(e.get(key) == value for e in entries)
        if not ok:
            return False
    return True
