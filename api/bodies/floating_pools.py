"""Floating IP pools as Nova's proxy and the EC2 API name them: a pool is an external network,
named by its name (its id when it has none), as nova/network/neutron.py shows them. The
built-in pool is `public`; every `router:external` network an admin made is a pool too.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from api.bodies.networks import EXTERNAL_NAME, EXTERNAL_NETWORK_ID, dashed
from domain.errors import InvalidInput, NotFound
from projections.network_queries import NetworkViews
from projections.store import Row


def pool_name(row: Row | dict[str, Any]) -> str:
    """The pool of a floating IP row (as NetworkViews reads it): its external network's name."""
    network_id = row.get("floating_network_id") or EXTERNAL_NETWORK_ID
    if network_id == EXTERNAL_NETWORK_ID:
        return EXTERNAL_NAME
    return row.get("floating_network_name") or str(dashed(network_id))


def floating_pools(views: NetworkViews) -> list[tuple[str, str]]:
    """(network hex id, pool name) of every pool: `public` first, then the external networks."""
    return [(EXTERNAL_NETWORK_ID, EXTERNAL_NAME)] + [
        (str(r["id"]), r["name"] or str(dashed(r["id"]))) for r in views.external_networks()]


def pool_network(views: NetworkViews, ref: str) -> tuple[str, str]:
    """The (network hex id, pool name) of the pool `ref` names by id or by name, as Nova's
    `_get_floating_ip_pool_id_by_name_or_id`: NotFound for none, InvalidInput when several
    external networks share the name (Nova lets that become a 500)."""
    try:
        wanted = UUID(ref).hex
        matches = [p for p in floating_pools(views) if p[0] == wanted]
    except ValueError:
        matches = [p for p in floating_pools(views) if p[1] == ref]
    if not matches:
        raise NotFound(f"Floating IP pool not found: {ref}")
    if len(matches) > 1:
        raise InvalidInput(f"Multiple floating IP pools matches found for name '{ref}'")
    return matches[0]
