"""Giving back what an instance holds: quota, host claims, group membership, volumes.

A deleted server's volumes are detached in the same save as its deletion, as Nova's delete
detaches them: each goes back to available (an attach still in progress fails), and one marked
`delete_on_termination` (a boot volume) is then asked to be deleted by the storage worker.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.compute.copies import PortCopy
from domain.compute.instance import Instance
from domain.compute.node import ComputeNode, node_id
from domain.compute.server_group import ServerGroup
from domain.services.compute.port_binding import follow_floating_ip
from domain.services.network.ports import plan_port_release
from domain.services.network.workset import Workset
from domain.services.quotas import open_ledger
from domain.services.storage.lookup import live
from domain.storage.volume import Volume
from domain.storage.volume_states import VolumeStatus


def release_everything(app: SkyLedger, instance: Instance) -> list[Any]:
    """Mark the instance deleted and release all its claims; returns every aggregate to save."""
    key = instance.id.hex
    aggregates: list[Any] = [instance]
    hosts = {h for h in (instance.host, (instance.resize_from or {}).get("host"),
                         (instance.pending or {}).get("host"), *instance.evacuated_from()) if h}
    for host in sorted(hosts):  # an evacuated-from host's claim too: it may never come back
        node = app.find(node_id(host))
        if isinstance(node, ComputeNode):
            node.release(key)
            node.release(f"{key}:resize")
            node.release(f"{key}:evacuate")
            node.release(f"{key}:live")  # a live migration's destination, deleted mid-move
            aggregates.append(node)
    ledger = open_ledger(app, instance.project_id)
    ledger.release(instance.quota_held(), instance.user_id)
    aggregates.append(ledger)
    ports = Workset(app, ledger)
    for port in instance.ports:
        give_back_port(ports, port)
    if instance.server_group_id:
        group = app.find(UUID(instance.server_group_id))
        if isinstance(group, ServerGroup):
            group.remove(key)
            aggregates.append(group)
    aggregates.extend(release_volumes(app, instance))
    instance.mark_deleted()
    return [a for a in aggregates if a.pending_events] + ports.changed()


def give_back_port(ws: Workset, record: PortCopy) -> None:
    """A port the server made goes with it; one its user made and attached is unbound and
    stays, with its address and security groups (Nova's preserve_on_delete)."""
    if record.get("preserve_on_delete"):
        port = ws.port(record["id"])
        port.unbind()
        follow_floating_ip(ws, port)
    else:
        plan_port_release(ws, record["id"])


def release_volumes(app: SkyLedger, instance: Instance) -> list[Volume]:
    """Detach every volume of the instance from it (the guest goes with the server); returns
    the volumes changed."""
    released = []
    for volume_id in list(instance.volumes):
        instance.volume_detached(volume_id)
        volume = live(app, volume_id, Volume)
        if not isinstance(volume, Volume) or not volume.attached_to(instance.id.hex):
            continue
        attachment_id = (volume.attachment or {})["attachment_id"]
        if volume.status is VolumeStatus.ATTACHING:
            volume.attach_failed(attachment_id, f"Instance {instance.id} was deleted.")
        else:
            if volume.status is VolumeStatus.IN_USE:
                volume.request_detach()
            volume.detached(attachment_id)
        if getattr(volume, "delete_on_termination", False) and volume.attachment is None:
            volume.request_delete()
        released.append(volume)
    return released
