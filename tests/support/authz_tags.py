"""The tags' part of the authorisation matrix's world (tests/support/authz_world.py): A's
network, subnet, port, router and subnet pool each carry A's tag, and a body for each mutating
tag route (`/{resources}/{id}/tags[/{tag}]`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.support.network_api import NET

if TYPE_CHECKING:
    from tests.support.authz_world import World

# The path parameter each taggable collection's routes name its resource by.
TAGGED = {"networks": "network_id", "subnets": "ref", "ports": "port_id",
          "routers": "router_id", "subnetpools": "pool_id"}


def tag_things(world: World, tag: str) -> None:
    """Run after A's resources (router_things included) are in `world.params`."""
    for kind, param in TAGGED.items():
        world.created("PUT", f"{NET}/{kind}/{world.params[param]}/tags/{tag}", None, None)


def tag_bodies() -> dict[str, Any]:
    bodies: dict[str, Any] = {}
    for kind, param in TAGGED.items():
        base = f"{NET}/{kind}/{{{param}}}/tags"
        bodies.update({f"PUT {base}": {"tags": ["matrix"]}, f"PUT {base}/{{tag}}": None,
                       f"DELETE {base}": None, f"DELETE {base}/{{tag}}": None})
    return bodies
