"""Server actions a user asks for. Each records the request; the host's worker carries it out.

Locking, renaming and metadata are bookkeeping and complete at once; a delete of an instance
that never reached a host (or whose host is down) completes at once too, releasing its claims.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.catalog.flavor import Flavor, flavor_uuid
from domain.catalog.image import Image
from domain.commands import changed, command
from domain.compute.heartbeat import Liveness, heartbeat_id
from domain.compute.hypervisor_support import check_host_supports
from domain.compute.instance import Instance
from domain.compute.node import node_id
from domain.compute.server_group import ServerGroup
from domain.compute.states import TRANSITIONS, VmState
from domain.context import RequestContext
from domain.errors import InvalidInput, InvalidState, NotFound
from domain.services.compute import deletion, evacuation, live_migration
from domain.services.compute.boot import check_keypair, parse_uuid
from domain.services.compute.copies import flavor_copy, image_copy
from domain.services.compute.placement import HostChooser, Nodes, place, request_spec
from domain.services.compute.volume_rebuild import root_rebuild
from domain.services.compute.zone_pinning import zone_pin
from domain.services.quotas import default_limits, open_ledger

# Nova's compute API: where a server's metadata (with no task in progress) and tags may change.
METADATA_STATES = frozenset({VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED})
# Actions with parameters or claims of their own: each has its own command.
PARAMETERISED = frozenset({"resize", "rebuild", "snapshot", "backup", "rescue", "shelve",
                           "shelve_offload", "unshelve", "live_migrate", "evacuate"})


MAX_TAGS = 50  # Nova's per-server limit (objects.instance.MAX_TAG_COUNT)


def server_tags(instance: Instance) -> list[str]:
    """The tags an Updated event recorded (an instance from before tags has none)."""
    return list(getattr(instance, "tags", None) or [])


class ActionService:
    def __init__(self, app: SkyLedger, chooser: HostChooser,
                 liveness: Liveness | None = None, reclaim_interval: float = 0.0) -> None:
        """`reclaim_interval`: Nova's reclaim_instance_interval; above 0 a delete powers the
        guest off and keeps the server SOFT_DELETED until restored, force-deleted or reclaimed
        (domain/process/compute/reclaimer.py)."""
        self.app, self.chooser = app, chooser
        self.liveness = liveness or Liveness()
        self.reclaim_interval = reclaim_interval

    def instance(self, ctx: RequestContext, instance_id: str) -> Instance:
        instance = self.app.find(UUID(instance_id)) if _is_uuid(instance_id) else None
        if not isinstance(instance, Instance) or instance.deleted or \
                (instance.project_id != ctx.project_id and not ctx.is_admin):
            raise NotFound(f"Instance {instance_id} could not be found.")
        return instance

    def check_host_supports(self, instance: Instance, action: str) -> None:
        """The 409 of an action the hypervisor type of the instance's host cannot carry out
        (domain/compute/hypervisor_support.py), from the type its node registered with."""
        check_host_supports(self.app.find, instance, action)

    @command
    def act(self, ctx: RequestContext, instance_id: str, action: str) -> Instance:
        """Actions that take no parameters: stop, start, reboot, reboot_hard, pause, unpause,
        suspend, resume, confirm_resize, revert_resize, unrescue."""
        if action not in TRANSITIONS or action in PARAMETERISED:
            raise InvalidInput(f"Unknown action {action}.")
        instance = self.instance(ctx, instance_id)
        self.check_host_supports(instance, action)
        instance.request(action, ctx.is_admin)
        self.app.save(instance)
        return instance

    @command
    def rebuild(self, ctx: RequestContext, instance_id: str, image_ref: str,
                changes: dict[str, Any] | None = None, reimage: bool = False) -> Instance:
        """`changes`: a new name, metadata, description, key or user data, recorded in the
        rebuild's own save. `reimage`: a volume-backed server's root volume is written again
        from the image (2.93; volume_rebuild.py)."""
        instance = self.instance(ctx, instance_id)
        if (changes or {}).get("key_name") is not None:
            check_keypair(self.app, str(ctx.user_id), str((changes or {})["key_name"]))
        image = self.app.find(parse_uuid(image_ref, "imageRef"))
        if not isinstance(image, Image) or image.deleted or image.status != "active" or \
                not image.visible_to(ctx.project_id, ctx.is_admin):
            raise InvalidInput(f"Image {image_ref} could not be found.")
        self.check_metadata(instance, changes or {})
        new = image_copy(image)
        params, refusal = root_rebuild(self.app, instance, new, image_ref, reimage)
        if refusal is not None:
            instance.check_can("rebuild", ctx.is_admin)  # the state's 409 comes first
            raise refusal
        instance.request("rebuild", ctx.is_admin, image=new, **params)
        if changes:
            instance.update(changes)
        self.app.save(instance)
        return instance

    @command
    def rescue(self, ctx: RequestContext, instance_id: str, rescue_image_ref: str | None = None,
               allow_volume_backed: bool = False) -> Instance:
        """The guest boots from the rescue image (its own image unless one is named), its root
        disk kept beside it. A volume-backed server only with `allow_volume_backed` (2.87) and
        a rescue image that names hw_rescue_bus and hw_rescue_device, as Nova; else its 400."""
        instance = self.instance(ctx, instance_id)
        self.check_host_supports(instance, "rescue")
        params: dict[str, Any] = {}
        if rescue_image_ref is not None:
            image = self.app.find(parse_uuid(rescue_image_ref, "rescue_image_ref"))
            if not isinstance(image, Image) or image.deleted or image.status != "active" or \
                    not image.visible_to(ctx.project_id, ctx.is_admin):
                raise InvalidInput(f"Image {rescue_image_ref} is unacceptable: "
                                   "Unsupported rescue image.")
            params["rescue_image"] = image_copy(image)
        instance.request("rescue", ctx.is_admin, **params)  # the state's 409 comes first
        rescue_image = params.get("rescue_image") or instance.image
        properties = rescue_image.get("properties") or {}
        if instance.root_volume and not (allow_volume_backed and "hw_rescue_bus" in properties
                                         and "hw_rescue_device" in properties):
            raise InvalidInput(f"Instance {instance_id} cannot be rescued: "
                               "Cannot rescue a volume-backed instance")
        self.app.save(instance)
        return instance

    @command
    def reset_state(self, ctx: RequestContext, instance_id: str, vm_state: str) -> Instance:
        """os-resetState (admins, by policy): `active` or `error`, whatever was going on."""
        instance = self.instance(ctx, instance_id)
        instance.reset_state(vm_state)
        self.app.save(instance)
        return instance

    @command
    def resize(self, ctx: RequestContext, instance_id: str, flavor_ref: str,
               changes: dict[str, Any] | None = None) -> Instance:
        """`changes`: bookkeeping recorded in the resize's own save (the disk config)."""
        instance = self.instance(ctx, instance_id)
        self.check_host_supports(instance, "resize")
        flavor = self.app.find(flavor_uuid(str(flavor_ref)))
        if not isinstance(flavor, Flavor) or flavor.deleted or \
                not flavor.visible_to(ctx.project_id, ctx.is_admin):
            raise InvalidInput(f"Flavor {flavor_ref} could not be found.")
        new = flavor_copy(flavor)
        if new["id"] == instance.flavor["id"]:
            raise InvalidInput("When resizing, instances must change flavor!")
        ledger = open_ledger(self.app, instance.project_id)
        growth = {"cores": max(0, new["vcpus"] - instance.flavor["vcpus"]),
                  "ram": max(0, new["ram"] - instance.flavor["ram"])}
        ledger.claim(growth, default_limits(self.app), instance.user_id)
        group = self.group_of(instance)
        nodes = Nodes(self.app)
        spec = request_spec(instance, group, (), (), flavor=new)
        host = place(instance, spec, self.chooser, nodes, group,
                     claim_key=f"{instance.id.hex}:resize")
        if host is None:
            raise InvalidInput("No valid host was found. No host can take the new flavor.")
        instance.request("resize", ctx.is_admin, flavor=new, host=host, growth=growth)
        if changes:
            instance.update(changes)
        if group is not None:
            group.start_move(instance.id.hex, host)
        self.app.save(*changed(instance, ledger, group), *nodes.changed())
        return instance

    @command
    def migrate(self, ctx: RequestContext, instance_id: str, host: str | None = None) -> Instance:
        """A cold migration: a resize to the same flavor on another host (the one named, if
        any), confirmed or reverted as a resize is. No other host that can take it is Nova's
        400 NoValidHost."""
        instance = self.instance(ctx, instance_id)
        self.check_host_supports(instance, "migrate")
        instance.check_can("resize", ctx.is_admin, shown_as="migrate")
        if host is not None and host == instance.host:
            raise InvalidInput("The target host can't be the same one of the instance.")
        nodes = Nodes(self.app)
        if host is not None and nodes.get(host) is None:
            raise InvalidInput(f"Compute host {host} could not be found.")
        group = self.group_of(instance)
        spec = replace(request_spec(instance, group, (host,) if host else (), ()),
                       ignore_hosts=(*instance.tried_hosts, *([instance.host] if instance.host
                                                              else [])))
        chosen = place(instance, spec, self.chooser, nodes, group,
                       claim_key=f"{instance.id.hex}:resize")
        if chosen is None:
            raise InvalidInput("No valid host was found. No other host can take the server.")
        instance.request("resize", ctx.is_admin, flavor=dict(instance.flavor), host=chosen,
                         growth={"cores": 0, "ram": 0}, migration_type="migration")
        if group is not None:
            group.start_move(instance.id.hex, chosen)
        self.app.save(*changed(instance, group), *nodes.changed())
        return instance

    @command
    def live_migrate(self, ctx: RequestContext, instance_id: str, host: str | None,
                     block_migration: bool | None = None) -> Instance:
        instance = self.instance(ctx, instance_id)
        self.check_host_supports(instance, "live_migrate")
        return live_migration.live_migrate(self.app, self.chooser, ctx, instance,
                                           self.group_of(instance), host, block_migration)

    @command
    def evacuate(self, ctx: RequestContext, instance_id: str, host: str | None,
                 stopped: bool = False) -> Instance:
        instance = self.instance(ctx, instance_id)
        return evacuation.evacuate(self.app, self.chooser, self.host_is_up, ctx, instance,
                                   self.group_of(instance), host, stopped)

    @command
    def control_live_migration(self, ctx: RequestContext, instance_id: str, control: str,
                               migration_id: str, listed: str | None,
                               queued_too: bool = False) -> None:
        live_migration.control_live(self.app, ctx, self.instance(ctx, instance_id), control,
                                    migration_id, listed, queued_too)

    def confirm_resize(self, ctx: RequestContext, instance_id: str) -> Instance:
        return self.act(ctx, instance_id, "confirm_resize")

    def revert_resize(self, ctx: RequestContext, instance_id: str) -> Instance:
        return self.act(ctx, instance_id, "revert_resize")

    @command
    def lock(self, ctx: RequestContext, instance_id: str, reason: str | None = None) -> Instance:
        instance = self.instance(ctx, instance_id)
        if not instance.locked:
            instance.lock(reason, "admin" if ctx.is_admin else "owner")
            self.app.save(instance)
        return instance

    @command
    def unlock(self, ctx: RequestContext, instance_id: str) -> Instance:
        instance = self.instance(ctx, instance_id)
        if instance.locked:
            # Nova: whoever locked it may unlock it; an admin's lock only an admin
            # (os_compute_api:os-lock-server:unlock:unlock_override).
            if instance.locked_by == "admin" and not ctx.is_admin:
                raise InvalidState(f"Instance {instance_id} was locked by an administrator.")
            instance.unlock()
            self.app.save(instance)
        return instance

    @command
    def update(self, ctx: RequestContext, instance_id: str, changes: dict[str, Any]) -> Instance:
        """`changes` may hold pinned_availability_zone (2.104: zone_pinning.py)."""
        instance = self.instance(ctx, instance_id)
        if "pinned_availability_zone" in changes:
            changes = dict(changes)
            changes.update(zone_pin(self.app, instance, changes.pop("pinned_availability_zone")))
        self.check_metadata(instance, changes)
        if changes:
            instance.update(changes)
            self.app.save(instance)
        return instance

    @command
    def set_metadata(self, ctx: RequestContext, instance_id: str, items: dict[str, str],
                     replace: bool = False) -> dict[str, str]:
        """Nova's server metadata create and one-item update (`items` merged into the server's
        own) and update_all (`replace`): merged here, on the aggregate, so two concurrent
        requests cannot lose each other's items. Returns the server's metadata after."""
        instance = self.metadata_target(ctx, instance_id)
        metadata = dict(items) if replace else {**instance.metadata, **items}
        self.check_metadata(instance, {"metadata": metadata})
        if metadata != instance.metadata:
            instance.update({"metadata": metadata})
            self.app.save(instance)
        return metadata

    @command
    def delete_metadata_item(self, ctx: RequestContext, instance_id: str, key: str) -> None:
        instance = self.metadata_target(ctx, instance_id)
        if key not in instance.metadata:
            raise NotFound("Metadata item was not found")
        instance.update({"metadata": {k: v for k, v in instance.metadata.items() if k != key}})
        self.app.save(instance)

    @command
    def set_tags(self, ctx: RequestContext, instance_id: str, tags: list[str],
                 add: bool = False) -> bool:
        """Nova's server tags: replace them all, or (`add`) add one tag. Returns whether the
        tags changed (an added tag the server had already: Nova's 204 instead of 201)."""
        instance = self.tags_target(ctx, instance_id, "update tag" if add else "update tags")
        before = server_tags(instance)
        after = list(dict.fromkeys(before + tags if add else tags))
        if add and len(before) >= MAX_TAGS and after != before:
            raise InvalidInput(f"The number of tags exceeded the per-server limit {MAX_TAGS}")
        if after == before:
            return False
        instance.update({"tags": after})
        self.app.save(instance)
        return True

    @command
    def delete_tags(self, ctx: RequestContext, instance_id: str, tag: str | None = None) -> None:
        """One tag (404 if the server has not got it), or all of them (`tag` None)."""
        instance = self.tags_target(ctx, instance_id, "delete tags" if tag is None
                                    else "delete tag")
        before = server_tags(instance)
        if tag is not None and tag not in before:
            raise NotFound(f"Server {instance_id} has no tag '{tag}'")
        if before:
            instance.update({"tags": [t for t in before if tag is not None and t != tag]})
            self.app.save(instance)

    def tags_target(self, ctx: RequestContext, instance_id: str, action: str) -> Instance:
        """Tags change in the states Nova's server tags API allows, whatever task runs."""
        instance = self.instance(ctx, instance_id)
        if instance.vm_state not in METADATA_STATES:
            raise InvalidState(f"Cannot '{action}' instance {instance.id} while it is in "
                               f"vm_state {instance.vm_state.value}")
        return instance

    def metadata_target(self, ctx: RequestContext, instance_id: str) -> Instance:
        """The instance, if its metadata may change now: unlocked (or an admin asks), and
        resting in one of the states Nova's compute API allows for it."""
        instance = self.instance(ctx, instance_id)
        instance.check_unlocked(ctx.is_admin, "update metadata")
        if instance.vm_state not in METADATA_STATES or instance.task_state is not None:
            state = (f"task_state {instance.task_state.value}" if instance.task_state
                     else f"vm_state {instance.vm_state.value}")
            raise InvalidState(f"Cannot 'update metadata' instance {instance.id} while it is "
                               f"in {state}")
        return instance

    def check_metadata(self, instance: Instance, changes: dict[str, Any]) -> None:
        if changes.get("metadata") is not None:
            open_ledger(self.app, instance.project_id).check_metadata_items(
                len(changes["metadata"]), default_limits(self.app), instance.user_id)

    @command
    def delete(self, ctx: RequestContext, instance_id: str, host_is_up: bool | None = None,
               deferred: bool = True) -> Instance:
        """`host_is_up` overrides the liveness check (the reconciler and tests force it).
        With a reclaim interval, a delete may be deferred (deletion.py); a SOFT_DELETED
        server, and every delete with `deferred` False (forceDelete, the reclaimer), goes
        now."""
        instance = self.instance(ctx, instance_id)
        instance.check_unlocked(ctx.is_admin, "delete")
        up = host_is_up if host_is_up is not None else (
            instance.host is not None and self.host_is_up(instance.host))
        deletion.delete(self.app, ctx, instance, up, deferred and self.reclaim_interval > 0)
        return instance

    def force_delete(self, ctx: RequestContext, instance_id: str) -> Instance:
        """os-deferred-delete's forceDelete: a delete that skips the deferral, allowed in any
        state with no task in progress; a SOFT_DELETED server goes at once."""
        instance = self.instance(ctx, instance_id)
        if instance.task_state is not None:
            raise InvalidState(f"Cannot 'forceDelete' instance {instance_id} while it is in "
                               f"task_state {instance.task_state.value}")
        return self.delete(ctx, instance_id, deferred=False)

    @command
    def restore(self, ctx: RequestContext, instance_id: str) -> Instance:
        """A SOFT_DELETED server powered on again and ACTIVE (its claims were never released);
        any other state is Nova's 409, as is a lock."""
        instance = self.instance(ctx, instance_id)
        instance.request("restore", ctx.is_admin)
        self.app.save(instance)
        return instance

    def host_is_up(self, host: str) -> bool:
        """Judged from the host's heartbeat aggregate and its node's forced_down, not from a
        read model."""
        if getattr(self.app.find(node_id(host)), "forced_down", False):
            return False
        return self.liveness.is_up(self.app.find(heartbeat_id(host)))

    def group_of(self, instance: Instance) -> ServerGroup | None:
        if instance.server_group_id is None:
            return None
        group = self.app.find(UUID(instance.server_group_id))
        return group if isinstance(group, ServerGroup) else None


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
        return True
    except (ValueError, TypeError):
        return False
