"""Neutron's router bodies (`/network/v2.0/routers`) and the body of an interface change.

GET answers use the `trimmable` twins (Neutron's `fields`)."""

from __future__ import annotations

from typing import Any

from api.responses.base import Body
from api.responses.network import NullStr, trimmable


class ExternalFixedIp(Body):
    subnet_id: str
    ip_address: str


class GatewayInfo(Body):
    network_id: str
    enable_snat: bool
    external_fixed_ips: list[ExternalFixedIp]


class Route(Body):
    destination: str
    nexthop: str


class Router(Body):
    id: str
    name: str
    description: str
    status: str
    admin_state_up: bool
    project_id: str
    tenant_id: str
    external_gateway_info: GatewayInfo | None
    routes: list[Route]
    distributed: bool
    ha: bool
    availability_zone_hints: list[str]
    availability_zones: list[str]
    flavor_id: NullStr
    tags: list[str]
    revision_number: int
    created_at: NullStr
    updated_at: NullStr


RouterFields: Any = trimmable(Router)


class RouterShow(Body):
    router: Router


class RouterFieldsShow(Body):
    router: RouterFields


class RouterList(Body):
    routers: list[RouterFields]


class RouterInterface(Body):
    id: str
    tenant_id: str
    project_id: str
    port_id: str
    subnet_id: str
    subnet_ids: list[str]
    network_id: str
