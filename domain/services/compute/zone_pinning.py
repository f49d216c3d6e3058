"""Pinning a server to its availability zone, or unpinning it (compute 2.104, PUT /servers/{id}
with pinned_availability_zone; nova/api/openstack/compute/servers.py `update`).

A server's own zone (`Instance.availability_zone`: the one it was booted or unshelved into) is
what its moves are scheduled in: Nova's request spec zone, shown as pinned_availability_zone.
Null unpins it (a no-op when it is not pinned); a zone pins it, but only to the zone of the host
it is on, and a pinned server must be unpinned before it is pinned elsewhere (Nova's 409s).
"""

from __future__ import annotations

from typing import Any

from domain.app import SkyLedger
from domain.compute.instance import Instance
from domain.compute.node import ComputeNode, node_id
from domain.errors import InvalidState


def zone_pin(app: SkyLedger, instance: Instance, zone: str | None) -> dict[str, Any]:
    """The update's change of the instance's own zone: {} when there is none to make."""
    pinned = instance.availability_zone
    if zone is None:
        return {"availability_zone": None} if pinned is not None else {}
    if pinned is not None:
        if zone != pinned:
            raise InvalidState("Cannot change pinned availability zone directly. Unpin first "
                               "by setting pinned_availability_zone to null.")
        return {}
    current = current_zone(app, instance)
    if zone != current:
        raise InvalidState(f"Server can only be pinned to its current availability zone "
                           f"'{current}', but '{zone}' was requested.")
    return {"availability_zone": zone}


def current_zone(app: SkyLedger, instance: Instance) -> str | None:
    """The zone of the host the server is on (Nova's get_instance_availability_zone)."""
    node = app.find(node_id(instance.host)) if instance.host else None
    return node.availability_zone if isinstance(node, ComputeNode) else None
