"""Neutron's network, subnet, port and floating IP bodies.

Neutron's `fields` query parameter trims a GET's bodies to the attributes asked for, so GET
answers use each model's `trimmable` twin, which types every attribute and requires none; what
a create or update answers is never trimmed."""

from __future__ import annotations

from typing import Any

from pydantic import Field, create_model

from api.responses.base import MISSING, Body, Link, one_of

NullStr = str | None
Status = one_of(["ACTIVE", "DOWN", "BUILD", "ERROR"])


def trimmable(model: type[Body]) -> Any:
    fields: dict[str, Any] = {
        name: (info.annotation, Field(default=MISSING, alias=info.alias))
        for name, info in model.model_fields.items()}
    return create_model(f"{model.__name__}Fields", __base__=Body, **fields)


def absent() -> Any:
    """A key left out unless set (pagination links: only when a page is full)."""
    return Field(default=MISSING)


def admin_only(alias: str) -> Any:
    return Field(default=MISSING, alias=alias)


class Network(Body):
    id: str
    name: str
    project_id: str
    tenant_id: str
    admin_state_up: bool
    status: Status  # type: ignore[valid-type]
    shared: bool
    external: bool = Field(alias="router:external")
    subnets: list[str]
    mtu: int
    description: str
    availability_zones: list[str]
    tags: list[str]
    created_at: NullStr
    updated_at: NullStr
    port_security_enabled: bool
    is_default: bool
    availability_zone_hints: list[str]
    ipv4_address_scope: NullStr
    ipv6_address_scope: NullStr
    revision_number: int
    # provider attributes: admins only, by Neutron's default policy
    network_type: str = admin_only("provider:network_type")
    physical_network: NullStr = admin_only("provider:physical_network")
    segmentation_id: int | None = admin_only("provider:segmentation_id")


class AllocationPool(Body):
    start: str
    end: str


class Subnet(Body):
    id: str
    name: str
    network_id: str
    project_id: str
    tenant_id: str
    cidr: str
    gateway_ip: NullStr
    allocation_pools: list[AllocationPool]
    ip_version: one_of([4, 6])  # type: ignore[valid-type]
    enable_dhcp: bool
    dns_nameservers: list[str]
    host_routes: list[dict[str, Any]]
    ipv6_address_mode: NullStr
    ipv6_ra_mode: NullStr
    subnetpool_id: NullStr
    description: str
    tags: list[str]
    service_types: list[str]
    dns_publish_fixed_ip: bool
    segment_id: NullStr
    revision_number: int
    created_at: NullStr
    updated_at: NullStr


class FixedIp(Body):
    subnet_id: str
    ip_address: str


class Port(Body):
    id: str
    name: str
    network_id: str
    project_id: str
    tenant_id: str
    mac_address: str
    fixed_ips: list[FixedIp]
    device_id: str
    device_owner: str
    status: Status  # type: ignore[valid-type]
    admin_state_up: bool
    description: str
    tags: list[str]
    security_groups: list[str]
    allowed_address_pairs: list[dict[str, Any]]
    extra_dhcp_opts: list[dict[str, Any]]
    vnic_type: str = Field(alias="binding:vnic_type")
    port_security_enabled: bool
    revision_number: int
    created_at: NullStr
    updated_at: NullStr
    # binding attributes: admins only, by Neutron's default policy
    host_id: str = admin_only("binding:host_id")
    profile: dict[str, Any] = admin_only("binding:profile")
    vif_type: str = admin_only("binding:vif_type")
    vif_details: dict[str, Any] = admin_only("binding:vif_details")


class FloatingIp(Body):
    id: str
    floating_ip_address: str
    floating_network_id: str
    router_id: NullStr
    port_id: NullStr
    fixed_ip_address: NullStr
    status: one_of(["ACTIVE", "DOWN", "ERROR"])  # type: ignore[valid-type]
    project_id: str
    tenant_id: str
    description: str
    tags: list[str]
    port_forwardings: list[dict[str, Any]]
    created_at: NullStr
    updated_at: NullStr


class SubnetPool(Body):
    id: str
    name: str
    project_id: str
    tenant_id: str
    prefixes: list[str]
    ip_version: one_of([4, 6])  # type: ignore[valid-type]
    default_prefixlen: int
    min_prefixlen: int
    max_prefixlen: int
    shared: bool
    is_default: bool
    description: str
    address_scope_id: NullStr
    default_quota: int | None
    tags: list[str]
    revision_number: int
    created_at: NullStr
    updated_at: NullStr


NetworkFields: Any = trimmable(Network)
SubnetPoolFields: Any = trimmable(SubnetPool)
SubnetFields: Any = trimmable(Subnet)
PortFields: Any = trimmable(Port)
FloatingIpFields: Any = trimmable(FloatingIp)


class NetworkShow(Body):
    network: Network


class NetworkFieldsShow(Body):
    network: NetworkFields


class NetworkList(Body):
    networks: list[NetworkFields]
    networks_links: list[Link] = absent()


class SubnetShow(Body):
    subnet: Subnet


class SubnetFieldsShow(Body):
    subnet: SubnetFields


class SubnetList(Body):
    subnets: list[SubnetFields]
    subnets_links: list[Link] = absent()


class PortShow(Body):
    port: Port


class PortBulk(Body):
    ports: list[Port]


class NetworkBulk(Body):
    networks: list[Network]


class SubnetBulk(Body):
    subnets: list[Subnet]


class PortFieldsShow(Body):
    port: PortFields


class PortList(Body):
    ports: list[PortFields]
    ports_links: list[Link] = absent()


class FloatingIpShow(Body):
    floatingip: FloatingIp


class FloatingIpFieldsShow(Body):
    floatingip: FloatingIpFields


class FloatingIpList(Body):
    floatingips: list[FloatingIpFields]


class SubnetPoolShow(Body):
    subnetpool: SubnetPool


class SubnetPoolFieldsShow(Body):
    subnetpool: SubnetPoolFields


class SubnetPoolList(Body):
    subnetpools: list[SubnetPoolFields]
    subnetpools_links: list[Link] = absent()
