"""Compute hosts: registration with capacity read from the hypervisor, heartbeats, enablement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.commands import command
from domain.compute.heartbeat import ComputeHeartbeat, heartbeat_id
from domain.compute.instance import Instance
from domain.compute.node import ComputeNode, node_id
from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class HostRegistration:
    host: str
    hypervisor_type: str
    vcpus: int
    memory_mb: int
    disk_gb: int
    availability_zone: str = "nova"
    cpu_ratio: float = 16.0
    ram_ratio: float = 1.5
    disk_ratio: float = 1.0
    hypervisor_version: int = 0  # libvirt's number for the driver's version (Nova shows it)

    def fields(self) -> dict[str, Any]:
        return {"hypervisor_type": self.hypervisor_type, "vcpus": self.vcpus,
                "memory_mb": self.memory_mb, "disk_gb": self.disk_gb,
                "availability_zone": self.availability_zone, "cpu_ratio": self.cpu_ratio,
                "ram_ratio": self.ram_ratio, "disk_ratio": self.disk_ratio,
                "hypervisor_version": self.hypervisor_version}


class HostService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def register(self, ctx: RequestContext, reg: HostRegistration) -> ComputeNode:
        """First start registers the node; later starts record only a changed capacity or zone."""
        node = self.app.find(node_id(reg.host))
        if node is None:
            node = ComputeNode(reg.host, **reg.fields())
        elif node.registration() != reg.fields():
            node.reregister(**reg.fields())
        heartbeat = self.app.find(heartbeat_id(reg.host)) or ComputeHeartbeat(reg.host)
        heartbeat.beat()
        self.app.save(node, heartbeat)
        return node

    @command
    def heartbeat(self, ctx: RequestContext, host: str) -> None:
        heartbeat = self.app.find(heartbeat_id(host))
        if heartbeat is None:
            raise NotFound(f"Compute host {host} is not registered.")
        heartbeat.beat()
        self.app.save(heartbeat)

    def node(self, host: str) -> ComputeNode:
        node = self.app.find(node_id(host))
        if not isinstance(node, ComputeNode):
            raise NotFound(f"Compute host {host} could not be found.")
        return node

    @command
    def disable(self, ctx: RequestContext, host: str, reason: str | None = None) -> ComputeNode:
        node = self.node(host)
        if node.enabled or node.disabled_reason != reason:
            node.disable(reason)
            self.app.save(node)
        return node

    @command
    def force_down(self, ctx: RequestContext, host: str, forced_down: bool) -> ComputeNode:
        """Forcing a host back up is Nova's 400 while servers evacuated from it are still
        there to clean up (its `done` evacuation migrations), until its worker has run."""
        node = self.node(host)
        if not forced_down:
            check_evacuations_cleaned_up(self.app, node)
        if bool(getattr(node, "forced_down", False)) != forced_down:
            node.force_down(forced_down)
            self.app.save(node)
        return node

    @command
    def enable(self, ctx: RequestContext, host: str) -> ComputeNode:
        node = self.node(host)
        if not node.enabled:
            node.enable()
            self.app.save(node)
        return node


def check_evacuations_cleaned_up(app: SkyLedger, node: ComputeNode) -> None:
    """Nova's _check_for_evacuations, from the aggregates: a server evacuated from this host
    names it until the host's worker destroyed the guest left there, and the host keeps that
    server's claim until then, so only the servers it still holds a claim for are looked at."""
    for key in sorted(k for k in node.claims if ":" not in k):
        instance = app.find(UUID(key))
        if isinstance(instance, Instance) and node.host in instance.evacuated_from():
            raise InvalidInput(
                f"Unable to force up host {node.host} as `done` evacuation migration records "
                "remain associated with the host. Ensure the compute service has been "
                "restarted, allowing these records to move to `completed` before retrying "
                "this request.")
