"""What a host's hypervisor type cannot do to its servers, decided before anything is recorded.

A server's actions are refused here from the type its host registered with (ComputeNode's
`hypervisor_type`, libvirt's driver name), never by trying them and catching the hypervisor's
error: the refusal is Nova's 409 and changes nothing, and no half-made move or image is left to
clean up. The names are those `Instance.request` takes (snapshot and backup are createImage and
createBackup; migrate is the cold migration's own name, as its 409 shows it).

LXC (libvirt's LXC driver): a container's root is a directory on its host and it has no memory
image of its own, so there is nothing to move (resize, cold or live migration), to save to disk
(suspend, resume), to boot beside a rescue image (rescue) or to copy into an image (snapshot,
backup, and shelve, which snapshots). Start, stop, reboot, pause and unpause (the freezer
cgroup), rebuild (its root tree made again from the image), the console and delete apply.
Volumes are not attached either: libvirt's LXC driver attaches a disk only if its source is a
block device (lxcDomainAttachDeviceDiskLive: "Can't setup disk for non-block device"), which is
how Nova's libvirt driver gets volumes into containers (its iSCSI/RBD/LVM connectors hand it
block devices; it has no container-specific attach). The volumes here are files in a storage
pool, so Nova's attach would fail in libvirt after the volume was reserved; the 409 refuses it
before anything is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from domain.compute.instance import Instance
from domain.compute.node import node_id
from domain.errors import InvalidState

UNSUPPORTED: dict[str, frozenset[str]] = {
    "LXC": frozenset({"resize", "migrate", "live_migrate", "rescue", "suspend", "resume",
                      "snapshot", "backup", "shelve", "shelve_offload", "attach_volume"}),
}


def check_supported(hypervisor_type: str | None, action: str, instance_id: object,
                    host: str | None = None) -> None:
    """Nova's 409 for an action the server's host cannot carry out; None (no host yet) passes."""
    kind = (hypervisor_type or "").upper()
    if action in UNSUPPORTED.get(kind, frozenset()):
        raise InvalidState(f"Cannot '{action}' instance {instance_id}: its host {host} is of "
                           f"hypervisor type {kind}, which does not support it.")


def check_host_supports(find: Callable[[UUID], object], instance: Instance, action: str) -> None:
    """check_supported for the type the instance's host registered with (its ComputeNode)."""
    host = instance.host
    node = find(node_id(host)) if host else None
    check_supported(getattr(node, "hypervisor_type", None), action, instance.id, host)
