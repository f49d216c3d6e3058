"""Shelving: a server is powered off, its root disk copied into an image, and offloaded from its
host, which gets its claim back; unshelving schedules it anew and spawns it from that image.

Nova offloads a shelved server after `shelved_offload_time` seconds; devstack keeps Nova's
default 0, offloading at once, and so does skyledger: `shelve` ends SHELVED_OFFLOADED. A server
still SHELVED (on its host) is only reached by a state reset; `shelve_offload` and `unshelve`
take it from there too.

Claims move in the same save as the instance's events, as at boot: the host's claim is released
with the shelve's outcome (outcomes.py), and taken with the unshelve request.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.catalog.image import Image
from domain.commands import changed, command
from domain.compute.instance import Instance
from domain.compute.states import VmState
from domain.context import RequestContext
from domain.errors import InvalidInput, InvalidState
from domain.services.compute.actions import ActionService
from domain.services.compute.boot import check_compute_host
from domain.services.compute.copies import image_copy
from domain.services.compute.image_capture import snapshot_image
from domain.services.compute.placement import HostChooser, Nodes, place, request_spec


class ShelvingService:
    def __init__(self, app: SkyLedger, actions: ActionService, chooser: HostChooser) -> None:
        self.app, self.actions, self.chooser = app, actions, chooser

    @command
    def shelve(self, ctx: RequestContext, instance_id: str) -> Instance:
        """The queued image `<name>-shelved` is saved with the request, as createImage's is; a
        volume-backed server keeps its root volume and gets none."""
        instance = self.actions.instance(ctx, instance_id)
        self.actions.check_host_supports(instance, "shelve")
        image = None if instance.root_volume else snapshot_image(
            instance, f"{instance.name}-shelved", ctx.user_id or "", {})
        params = {"image_id": image.id.hex} if image is not None else {}
        instance.request("shelve", ctx.is_admin, **params)
        self.app.save(*changed(instance, image))
        return instance

    @command
    def shelve_offload(self, ctx: RequestContext, instance_id: str) -> Instance:
        instance = self.actions.instance(ctx, instance_id)
        self.actions.check_host_supports(instance, "shelve_offload")
        instance.request("shelve_offload", ctx.is_admin)
        self.app.save(instance)
        return instance

    @command
    def unshelve(self, ctx: RequestContext, instance_id: str,
                 availability_zone: str | None = None, host: str | None = None,
                 unpin: bool = False) -> Instance:
        """An offloaded server claims a host as a boot does (in its own zone, or in the one
        given from 2.77, which becomes its own; `unpin` (2.91's null zone) leaves it none); a
        server still on its host starts there. `host` (2.91, admins): only that host is
        scheduled, its filters still run."""
        instance = self.actions.instance(ctx, instance_id)
        if availability_zone is not None or host is not None or unpin:
            instance.check_unlocked(ctx.is_admin, "unshelve")
            if instance.vm_state is not VmState.SHELVED_OFFLOADED:
                raise InvalidState(
                    f"Specifying an availability zone or a host when unshelving server "
                    f'"{instance.id}" with status "{instance.vm_state.value}" is not supported. '
                    "The server status must be SHELVED_OFFLOADED.")
        if instance.vm_state is not VmState.SHELVED_OFFLOADED or instance.task_state:
            instance.request("unshelve", ctx.is_admin, host=instance.host)  # or the 409
            self.app.save(instance)
            return instance
        instance.check_unlocked(ctx.is_admin, "unshelve")
        group = self.actions.group_of(instance)
        nodes = Nodes(self.app)
        spec = request_spec(instance, group, (), ())
        if availability_zone is not None or unpin:
            spec = replace(spec, availability_zone=availability_zone)
        if host is not None:
            check_compute_host(self.app, host)
            spec = replace(spec, requested_host=host)
        host = place(instance, spec, self.chooser, nodes, group)
        if host is None:
            raise InvalidInput("No valid host was found. No host can take the server.")
        image = self.shelved_image(instance)
        params: dict[str, Any] = {"image": image_copy(image)} if image is not None else {}
        if availability_zone is not None or unpin:
            params["availability_zone"] = availability_zone
        instance.request("unshelve", ctx.is_admin, host=host, **params)
        if group is not None:
            group.place(instance.id.hex, host)
        self.app.save(*changed(instance, group), *nodes.changed())
        return instance

    def shelved_image(self, instance: Instance) -> Image | None:
        """The image the shelve filled, if it is still there to spawn from."""
        image_id = getattr(instance, "shelved_image_id", None)
        image = self.app.find(UUID(image_id)) if image_id else None
        if not isinstance(image, Image) or image.deleted or image.status != "active":
            return None
        return image

