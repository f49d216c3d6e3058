"""Giving back what an instance holds: quota, host claims, group membership."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.compute.instance import Instance
from domain.compute.node import ComputeNode, node_id
from domain.compute.server_group import ServerGroup
from domain.services.network.ports import plan_port_release
from domain.services.network.workset import Workset
from domain.services.quotas import open_ledger


def release_everything(app: SkyLedger, instance: Instance) -> list[Any]:
    """Mark the instance deleted and release all its claims; returns every aggregate to save."""
    key = instance.id.hex
    aggregates: list[Any] = [instance]
    hosts = {h for h in (instance.host, (instance.resize_from or {}).get("host"),
                         (instance.pending or {}).get("host")) if h}
    for host in hosts:
        node = app.find(node_id(host))
        if isinstance(node, ComputeNode):
            node.release(key)
            node.release(f"{key}:resize")
            aggregates.append(node)
    ledger = open_ledger(app, instance.project_id)
    ledger.release(instance.quota_held())
    aggregates.append(ledger)
    ports = Workset(app, ledger)
    for port in instance.ports:
        plan_port_release(ports, port["id"])
    if instance.server_group_id:
        group = app.find(UUID(instance.server_group_id))
        if isinstance(group, ServerGroup):
            group.remove(key)
            aggregates.append(group)
    instance.mark_deleted()
    return [a for a in aggregates if a.pending_events] + ports.changed()
