"""The steps of router commands on a `Workset`: a gateway on the external network, and
interfaces (ports of the router's) on the subnets it joins. Each step changes aggregates only;
the command saves them together (router, ports, networks, pools and quota ledger in ONE save).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from domain.errors import InvalidInput, NotFound
from domain.network.addressing import FixedIpRequest
from domain.network.config import NetworkConfig
from domain.network.errors import InUse
from domain.network.pool import EXTERNAL_ADDRESSES, EXTERNAL_NETWORK_ID
from domain.network.port import Port
from domain.network.router import GATEWAY_OWNER, INTERFACE_OWNER, Router
from domain.network.subnet_spec import SubnetSpec
from domain.services.network.external_ports import plan_external_port
from domain.services.network.ports import PortRequest, plan_free_port, plan_port_release
from domain.services.network.security_groups import plan_port_groups
from domain.services.network.workset import Workset


@dataclass(frozen=True)
class GatewayRequest:
    """Neutron's `external_gateway_info`: the external network (hex), SNAT, and the addresses
    asked for on it (subnet_id and/or ip_address; None: one the network picks)."""

    network_id: str
    enable_snat: bool = True
    fixed_ips: tuple[FixedIpRequest, ...] | None = None


def plan_gateway(ws: Workset, config: NetworkConfig, router: Router,
                 request: GatewayRequest | None) -> None:
    """Put the router's gateway on the network asked for (None: take it off), freeing the
    address it held. The same network again keeps its address unless others are asked for."""
    current = router.gateway
    if request is None:
        plan_gateway_release(ws, router)
        router.set_gateway(None)
        return
    if (current is not None and current["network_id"] == request.network_id
            and request.fixed_ips is None):
        router.set_gateway({**current, "enable_snat": request.enable_snat})
        return
    plan_gateway_release(ws, router)
    if request.network_id == EXTERNAL_NETWORK_ID:
        port = plan_external_port(ws, config, router.project_id, request.fixed_ips, {
            "device_id": router.id.hex, "device_owner": GATEWAY_OWNER})
        plan_port_groups(ws, port, [], False)
    else:
        port = gateway_port(ws, router, request)
    router.set_gateway({"network_id": request.network_id, "enable_snat": request.enable_snat,
                        "external_fixed_ips": list(port.fixed_ips), "port_id": port.id.hex})


def gateway_port(ws: Workset, router: Router, request: GatewayRequest) -> Port:
    network = ws.network(request.network_id)
    if not network.external:
        raise InvalidInput(f"Bad router request: Network {request.network_id} is not an "
                           "external network.")
    port = plan_free_port(ws, network.id.hex, PortRequest(
        fixed_ips=request.fixed_ips, device_id=router.id.hex, device_owner=GATEWAY_OWNER,
        project_id=router.project_id))
    if not port.fixed_ips:
        raise InvalidInput(f"Bad router request: No subnets on network {request.network_id}.")
    plan_port_groups(ws, port, [], False)
    return port


def plan_gateway_release(ws: Workset, router: Router) -> None:
    gateway = router.gateway
    if gateway is None:
        return
    if gateway.get("port_id"):
        plan_port_release(ws, gateway["port_id"])
    else:  # a gateway set before it had a port held its pool address itself
        for fixed in gateway["external_fixed_ips"]:
            ws.pool(EXTERNAL_ADDRESSES).release(fixed["ip_address"], router.id.hex)


def plan_subnet_interface(ws: Workset, router: Router, network_id: str,
                          subnet_id: str) -> Port:
    """A port of the router's holding the subnet's gateway address (Neutron's
    add_router_interface by subnet)."""
    router.check_live()
    spec = ws.network(network_id).subnet_spec(subnet_id)
    if not spec.gateway_ip:
        raise InvalidInput("Bad router request: Subnet for router interface must have a "
                           "gateway IP.")
    if router.interface_on(spec.id) is not None:
        raise InvalidInput(f"Bad router request: Router already has a port on subnet "
                           f"{subnet_id}.")
    port = plan_free_port(ws, network_id, PortRequest(
        fixed_ips=(FixedIpRequest(subnet_id=spec.id, ip_address=spec.gateway_ip,
                                  router_port=True),),
        device_id=router.id.hex, device_owner=INTERFACE_OWNER, project_id=router.project_id))
    plan_port_groups(ws, port, [], False)
    router.add_interface(port.id.hex, spec.id, spec.cidr, network_id)
    plan_dhcp_address(ws, network_id, spec, spec.gateway_ip)
    return port


def plan_dhcp_address(ws: Workset, network_id: str, spec: SubnetSpec, held: str) -> None:
    """A router that holds an IPv4 subnet's gateway is the subnet's router on the wire: the
    hosts' bridges then carry an address of the DHCP server's instead (reserved once)."""
    if spec.ip_version == 4 and held == spec.gateway_ip:
        ws.network(network_id).reserve_dhcp_address(spec.id)


def plan_port_interface(ws: Workset, router: Router, port: Port) -> None:
    """An existing free port becomes the router's interface on its subnet."""
    router.check_live()
    if port.is_bound or port.device_owner or port.device_id:
        raise InUse(f"Port {port.id} has owner {port.device_owner or 'compute:nova'} and "
                    f"therefore cannot be used as a router interface.")
    if not port.fixed_ips:
        raise InvalidInput(f"Bad router request: Router port {port.id} must have at least "
                           "one fixed IP.")
    subnets = {f["subnet_id"] for f in port.fixed_ips}
    if len(subnets) > 1:
        raise InvalidInput(f"Bad router request: Port {port.id} has multiple fixed IPs on "
                           "different subnets.")
    subnet_id = subnets.pop()
    spec = ws.network(port.network_id).subnet_spec(subnet_id)
    if router.interface_on(subnet_id) is not None:
        raise InvalidInput(f"Bad router request: Router already has a port on subnet "
                           f"{subnet_id}.")
    port.set_device(router.id.hex, INTERFACE_OWNER)
    router.add_interface(port.id.hex, subnet_id, spec.cidr, port.network_id)
    for fixed in port.fixed_ips:
        plan_dhcp_address(ws, port.network_id, spec, fixed["ip_address"])


def plan_interface_removal(ws: Workset, router: Router, port_id: str | None,
                           subnet_id: str | None) -> dict[str, str]:
    """Take the interface off (named by its port, its subnet or both) and delete its port,
    as Neutron does. Returns the interface: port_id, subnet_id, network_id."""
    if port_id is None:
        if subnet_id is None:
            raise InvalidInput("Bad router request: Either subnet_id or port_id must be "
                               "specified.")
        port_id = router.interface_on(subnet_id)
        if port_id is None:
            raise NotFound(f"Router {router.id} has no interface on subnet {subnet_id}")
    elif subnet_id is not None and router.interfaces.get(port_id, {}).get(
            "subnet_id") != subnet_id:
        raise InvalidInput(f"Bad router request: Subnet {subnet_id} is not the subnet of "
                           f"port {port_id}.")
    interface = router.remove_interface(port_id)
    plan_port_release(ws, port_id)
    return {"port_id": port_id, **interface}


def check_routes(routes: Any) -> list[dict[str, str]]:
    """Neutron's `routes`: a list of {destination: CIDR, nexthop: IP}, canonical, each once."""
    if not isinstance(routes, list):
        raise InvalidInput(f"Invalid input for routes. Reason: '{routes}' is not a list.")
    checked: list[dict[str, str]] = []
    for route in routes:
        if not isinstance(route, dict) or set(route) != {"destination", "nexthop"}:
            raise InvalidInput(f"Invalid input for routes. Reason: Validation of dictionary's "
                               f"keys failed for {route}.")
        try:
            destination = str(ipaddress.ip_network(str(route["destination"]), strict=False))
            nexthop = str(ipaddress.ip_address(str(route["nexthop"])))
        except ValueError:
            raise InvalidInput(f"Invalid input for routes. Reason: '{route}' is not a valid "
                               "route.") from None
        entry = {"destination": destination, "nexthop": nexthop}
        if entry not in checked:
            checked.append(entry)
    return checked
