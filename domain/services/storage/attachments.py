"""Attaching a volume to an instance, and detaching it: the atomic part of block storage.

An attach request saves the Volume (now attaching, with the attachment: server, host, device)
and the Instance (the device reserved in its `volumes`) in ONE `save()`. Two concurrent attaches
of one volume conflict on the volume's version: the loser reruns, finds it attaching, and is
refused (409). Two volumes attached to one instance at once conflict on the instance's version,
so they never get the same device.
"""

from __future__ import annotations

import re
from string import ascii_lowercase
from uuid import UUID

from domain.commands import command
from domain.compute.hypervisor_support import check_host_supports
from domain.compute.instance import Instance
from domain.compute.states import VmState
from domain.context import RequestContext
from domain.errors import Forbidden, InvalidInput, InvalidState, NotFound
from domain.services.storage.lookup import Lookup
from domain.storage.volume import Volume

# Nova's check_instance_state for attach_volume and detach_volume (no shelving here), with no
# task in progress.
VOLUME_VM_STATES = frozenset({VmState.ACTIVE, VmState.PAUSED, VmState.STOPPED, VmState.RESIZED,
                              VmState.SHELVED_OFFLOADED})
# Nova's block_device.match_device: an optional bus prefix, then the disk letters.
DEVICE_PATH = re.compile(r"^(/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$")
MAX_DISK_DEVICES = 26


def check_volume_change(instance: Instance, action: str, is_admin: bool) -> None:
    instance.check_unlocked(is_admin, action)
    if instance.task_state is not None:
        raise InvalidState(f"Cannot '{action}' instance {instance.id} while it is in task_state "
                           f"{instance.task_state.value}")
    if instance.vm_state not in VOLUME_VM_STATES:
        raise InvalidState(f"Cannot '{action}' instance {instance.id} while it is in vm_state "
                           f"{instance.vm_state.value}")


def taken_devices(instance: Instance) -> set[str]:
    """The root disk is vda, the flavor's ephemeral disk vdb (adapters/hypervisor/domain_xml.py),
    then the volumes attached or being attached."""
    taken = {"vda"} | ({"vdb"} if int(instance.flavor.get("ephemeral") or 0) else set())
    return taken | {device.rsplit("/", 1)[-1] for device in instance.volumes.values()}


def pick_device(instance: Instance, requested: str | None) -> str:
    taken = taken_devices(instance)
    if requested is not None:
        match = DEVICE_PATH.match(requested)
        if match is None:
            raise InvalidInput(f"The supplied device path ({requested}) is invalid.")
        # Like Nova's libvirt driver, a name on another bus (sdb, xvdb) is only a hint: every
        # volume is a virtio disk here, named by the next free vd letter.
        if match.group(1) == "/dev/vd":
            name = "vd" + match.group(2)
            if name in taken:
                raise InvalidState(f"The supplied device path ({requested}) is in use.")
            return f"/dev/{name}"
    free = next((f"vd{c}" for c in ascii_lowercase if f"vd{c}" not in taken), None)
    if free is None:
        raise Forbidden(f"The maximum allowed number of disk devices ({MAX_DISK_DEVICES}) to "
                        "attach to a single instance has been exceeded.")
    return f"/dev/{free}"


class AttachCommands(Lookup):
    @command
    def request_attach(self, ctx: RequestContext, volume_id: UUID | str,
                       server_id: UUID | str, device: str | None = None,
                       tag: str | None = None, delete_on_termination: bool = False) -> Volume:
        """Reserve the volume and a device of the server; the host's worker attaches it."""
        instance = self.server(ctx, server_id)
        check_volume_change(instance, "attach_volume", ctx.is_admin)
        volume = self.volume(ctx, volume_id)
        if volume.project_id != instance.project_id:
            raise InvalidInput(f"Volume {volume_id} and instance {server_id} belong to "
                               "different projects.")
        check_host_supports(self.app.find, instance, "attach_volume")  # an LXC host's 409
        chosen = pick_device(instance, device)
        attachment_id = volume.request_attach(instance.id.hex, instance.host or "", chosen, tag,
                                              delete_on_termination)
        instance.request_volume_attach(volume.id.hex, chosen, delete_on_termination)
        if instance.vm_state is VmState.SHELVED_OFFLOADED:
            # No guest anywhere to attach to: the attachment is complete at once, as Nova's
            # shelved-offloaded attach is, and the unshelve's spawn plugs the volume in.
            volume.attached(attachment_id, "", chosen)
        self.app.save(volume, instance)
        return volume

    @command
    def request_detach(self, ctx: RequestContext, server_id: UUID | str,
                       volume_id: UUID | str) -> Volume:
        instance = self.server(ctx, server_id)
        volume = self.volume(ctx, volume_id)
        if not volume.attached_to(instance.id.hex):
            raise NotFound(f"Instance {server_id} is not attached to volume {volume_id}")
        check_volume_change(instance, "detach_volume", ctx.is_admin)
        volume.request_detach()
        instance.request_volume_detach(volume.id.hex)
        if instance.vm_state is VmState.SHELVED_OFFLOADED:  # no guest holds it: done at once
            volume.detached(str((volume.attachment or {})["attachment_id"]))
            instance.volume_detached(volume.id.hex)
        self.app.save(volume, instance)
        return volume

    @command
    def set_delete_on_termination(self, ctx: RequestContext, server_id: UUID | str,
                                  volume_id: UUID | str, delete_on_termination: bool) -> None:
        """Nova 2.85: deleting the server deletes this attached volume, or no longer does."""
        instance = self.server(ctx, server_id)
        volume = self.volume(ctx, volume_id)
        if volume.id.hex not in instance.volumes:
            raise NotFound(f"No volume Block Device Mapping with id {volume_id}.")
        # The volume's BootBound holds the flag its server's deletion reads (volume.py).
        volume._boot_bound(volume.boot_of, delete_on_termination)
        instance.set_delete_on_termination(volume.id.hex, delete_on_termination)
        self.app.save(volume, instance)
