"""The routers' part of the authorisation matrix's world (tests/support/authz_world.py): A's
router with an interface on A's subnet, and a body for each mutating router route and each of
the agent schedulers' (which place routers and networks on hosts)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.support.network_api import NET

if TYPE_CHECKING:
    from tests.support.authz_world import World


def router_things(world: World, subnet_id: str) -> None:
    router = world.created("POST", f"{NET}/routers", {"router": {"name": "secret-router-a"}},
                           "router")
    joined = world.created("PUT", f"{NET}/routers/{router['id']}/add_router_interface",
                           {"subnet_id": subnet_id}, None)
    world.keep(router_id=router["id"])
    world.secret(router["id"], "secret-router-a", joined["port_id"])


def router_bodies(p: dict[str, Any]) -> dict[str, Any]:
    route = {"destination": "192.168.77.0/24", "nexthop": "10.0.0.7"}
    return {
        "POST /network/v2.0/routers": {"router": {"name": "matrix"}},
        "PUT /network/v2.0/routers/{router_id}": {"router": {"name": "changed"}},
        "DELETE /network/v2.0/routers/{router_id}": None,
        "PUT /network/v2.0/routers/{router_id}/add_router_interface": {"port_id": p["port_id"]},
        "PUT /network/v2.0/routers/{router_id}/remove_router_interface": {
            "subnet_id": p["ref"]},
        "PUT /network/v2.0/routers/{router_id}/add_extraroutes": {"router": {
            "routes": [route]}},
        "PUT /network/v2.0/routers/{router_id}/remove_extraroutes": {"router": {
            "routes": [route]}},
        # l3_agent_scheduler: admins only, refused before the agent or router is looked at.
        "POST /network/v2.0/agents/{agent_id}/l3-routers": {"router_id": p["router_id"]},
        "DELETE /network/v2.0/agents/{agent_id}/l3-routers/{router_id}": None,
        # dhcp_agent_scheduler: the same.
        "POST /network/v2.0/agents/{agent_id}/dhcp-networks": {"network_id": p["network_id"]},
        "DELETE /network/v2.0/agents/{agent_id}/dhcp-networks/{network_id}": None,
    }
