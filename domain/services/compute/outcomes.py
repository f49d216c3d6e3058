"""What the compute worker reports back: each outcome of a hypervisor action becomes an event.

Every report is idempotent: a worker replaying its log after a crash may report twice, and the
second report finds the instance already past that point and records nothing.
"""

from __future__ import annotations

from uuid import UUID

from domain.app import SkyLedger
from domain.backends import StoredBlob
from domain.commands import changed, command
from domain.compute.instance import Instance
from domain.compute.node import ComputeNode, node_id
from domain.compute.server_group import ServerGroup
from domain.context import RequestContext
from domain.services.compute import evacuation
from domain.services.compute.boot import no_host_reason
from domain.services.compute.boot_volumes import root_rescheduled, root_spawned
from domain.services.compute.image_capture import image_discarded, snapshot_failed, snapshot_saved
from domain.services.compute.placement import HostChooser, Nodes, place, request_spec
from domain.services.compute.release import release_everything
from domain.services.compute.resize_settling import settle_resize
from domain.services.compute.volume_rebuild import root_reimaged
from domain.services.quotas import open_ledger


class OutcomeService:
    def __init__(self, app: SkyLedger, chooser: HostChooser) -> None:
        self.app, self.chooser = app, chooser

    def load(self, instance_id: UUID) -> Instance | None:
        instance = self.app.find(instance_id)
        return instance if isinstance(instance, Instance) and not instance.deleted else None

    @command
    def spawned(self, ctx: RequestContext, instance_id: UUID, host: str,
                root_volume_path: str | None = None) -> None:
        """`root_volume_path`: where a volume-backed server's new root volume was made; the
        root volume is recorded made and attached in the same save (boot_volumes.py)."""
        instance = self.load(instance_id)
        if instance is not None:
            instance.spawned(host)
            root = root_spawned(self.app, instance, host, root_volume_path) \
                if instance.pending_events else None
            self.app.save(*changed(instance, root))

    @command
    def spawn_failed(self, ctx: RequestContext, instance_id: UUID, host: str, reason: str) -> None:
        """Release the host and try an alternate one, up to the instance's max_attempts. A
        root volume goes with the instance to the alternate host (boot_volumes.py); the failed
        host has already deleted what it made of it (domain/process/compute/root_volumes.py)."""
        instance = self.load(instance_id)
        if instance is None:
            return
        retry = instance.spawn_failed(host, reason)
        if not instance.pending_events:
            return
        nodes = Nodes(self.app)
        old = nodes.get(host)
        if old is not None:
            old.release(instance.id.hex)
        group = self.group_of(instance)
        new_host = None
        if retry:
            new_host = place(
                instance, request_spec(instance, group, (), (),
                                       requested_host=instance.hints.get("requested_host")),
                self.chooser, nodes, group)
        root = None
        if new_host is not None:
            instance.claim_host(new_host)
            root = root_rescheduled(self.app, instance, new_host)
        elif retry:
            instance.abort_build(
                f"No valid host was found. {reason}; and then: {no_host_reason(instance)}"
            )
        else:
            instance.abort_build(
                f"Exceeded maximum number of retries ({instance.max_attempts}). "
                f"Last failure on {host}: {reason}"
            )
        if group is not None:
            group.place(instance.id.hex, new_host)
        self.app.save(*changed(instance, group, root), *nodes.changed())

    @command
    def action_succeeded(self, ctx: RequestContext, instance_id: UUID, action: str,
                         snapshot: StoredBlob | None = None,
                         root_volume_path: str | None = None) -> None:
        """`snapshot`: the file a createImage stored, recorded on its image in the same save;
        `root_volume_path`: where the guest's root volume is (a rebuild that re-imaged it
        records the volume's new image in the same save: volume_rebuild.py)."""
        instance = self.load(instance_id)
        if instance is None or not instance.pending or instance.pending["action"] != action:
            return
        pending = dict(instance.pending)
        held_before = instance.quota_held()
        host_before, source = instance.host, (instance.resize_from or {}).get("host")
        image_id = instance.pending.get("image_id")
        shelved_image_id = instance.shelved_image_id
        backups_before = {i for ids in instance.backups.values() for i in ids} | {image_id or ""}
        instance.action_succeeded(action)
        if not instance.pending_events:  # a delete overtook it: only a stored image is kept
            stored = snapshot_saved(self.app, image_id, snapshot) if snapshot and image_id else []
            if stored:
                self.app.save(*changed(*stored))
            return
        rotated = backups_before - {i for ids in instance.backups.values() for i in ids}
        aggregates = [
            instance,
            *self.settle_resize(instance, action, host_before, source, held_before),
            *(snapshot_saved(self.app, image_id, snapshot) if snapshot and image_id else []),
            *self.settle_shelving(instance, action, host_before, shelved_image_id),
            root_reimaged(self.app, pending, instance.image, root_volume_path),
            *(self.settle_live(instance, host_before) if action == "live_migrate" else []),
            *(evacuation.settle(self.app, instance, host_before, self.group_of(instance))
              if action == "evacuate" else []),
        ]
        # Backups past the rotation (never the new one itself, saved above).
        for old in sorted(rotated - {"", image_id}) if action == "backup" else ():
            aggregates.extend(image_discarded(self.app, old, aggregates))
        self.app.save(*changed(*aggregates))

    @command
    def migration_prepared(self, ctx: RequestContext, instance_id: UUID,
                           target: dict[str, object]) -> None:
        """A live migration's destination is ready; the source's worker moves the guest."""
        instance = self.load(instance_id)
        if instance is not None:
            instance.migration_prepared(target)
            self.app.save(*changed(instance))

    @command
    def action_failed(
        self, ctx: RequestContext, instance_id: UUID, action: str, reason: str
    ) -> None:
        instance = self.load(instance_id)
        if instance is None or not instance.pending or instance.pending["action"] != action:
            return
        held_before = instance.quota_held()
        dest, image_id = instance.pending.get("host"), instance.pending.get("image_id")
        instance.action_failed(action, reason)
        if not instance.pending_events:  # a delete overtook it and releases everything
            return
        extra: list[object] = []
        if action == "resize" and dest:
            extra = self.release_resize(instance, dest, held_before)
        elif action in ("snapshot", "backup", "shelve") and image_id:
            extra = snapshot_failed(self.app, image_id)
        elif action == "unshelve" and dest and instance.host is None:
            extra = self.release_unshelve(instance, dest)
        elif action == "live_migrate" and dest:
            extra = self.release_live(instance, dest)
        elif action == "evacuate" and dest:
            extra = evacuation.release(self.app, instance, dest, self.group_of(instance))
        self.app.save(*changed(instance, *extra))

    @command
    def evacuation_cleaned_up(self, ctx: RequestContext, instance_id: UUID, host: str) -> None:
        """`host`, which the instance was evacuated from, destroyed the guest it still had."""
        instance = self.load(instance_id)
        if instance is not None:
            evacuation.cleaned_up(self.app, instance, host)

    @command
    def deleted(self, ctx: RequestContext, instance_id: UUID) -> None:
        instance = self.load(instance_id)
        if instance is not None:
            self.app.save(*release_everything(self.app, instance))

    @command
    def power_observed(
        self, ctx: RequestContext, instance_id: UUID, power_state: int, vm_state: str
    ) -> None:
        instance = self.load(instance_id)
        if (
            instance is not None
            and instance.task_state is None
            and (int(instance.power_state) != power_state or instance.vm_state.value != vm_state)
        ):
            instance.observe_power(power_state, vm_state)
            self.app.save(instance)

    # -- resize bookkeeping -------------------------------------------------------------------
    def settle_resize(self, instance: Instance, action: str, host_before: str | None,
                      source: str | None, held_before: dict[str, int]) -> list[object]:
        return settle_resize(self.app, instance, action, host_before, source, held_before)

    # -- live migration bookkeeping --------------------------------------------------------------
    def settle_live(self, instance: Instance, source: str | None) -> list[object]:
        """Moved: the source's claim goes, the destination's becomes the instance's claim."""
        key = instance.id.hex
        source_node, dest_node = self.node(source), self.node(instance.host)
        if source_node is not None:
            source_node.release(key)
        if dest_node is not None:
            dest_node.rekey(f"{key}:live", key)
        group = self.group_of(instance)
        if group is not None:
            group.finish_move(key)
        return [n for n in (source_node, dest_node, group) if n is not None]

    def release_live(self, instance: Instance, dest: str) -> list[object]:
        """Not moved: the destination's claim goes; the guest runs on at the source."""
        node, group = self.node(dest), self.group_of(instance)
        if node is not None:
            node.release(f"{instance.id.hex}:live")
        if group is not None:
            group.cancel_move(instance.id.hex)
        return [n for n in (node, group) if n is not None]

    # -- shelving bookkeeping ------------------------------------------------------------------
    def settle_shelving(self, instance: Instance, action: str, host_before: str | None,
                        shelved_image_id: str | None) -> list[object]:
        """Offloaded: the host's claim goes. Unshelved: the shelved image goes."""
        if action in ("shelve", "shelve_offload"):
            node = self.node(host_before)
            if node is not None:
                node.release(instance.id.hex)
            return [node] if node is not None else []
        if action == "unshelve":
            return list(image_discarded(self.app, shelved_image_id))
        return []

    def release_unshelve(self, instance: Instance, dest: str) -> list[object]:
        """A failed unshelve of an offloaded server gives back the host it claimed."""
        node = self.node(dest)
        if node is not None:
            node.release(instance.id.hex)
        group = self.group_of(instance)
        if group is not None:
            group.place(instance.id.hex, None)
        return [*([node] if node else []), *([group] if group is not None else [])]

    def release_resize(
        self, instance: Instance, dest: str, held_before: dict[str, int]
    ) -> list[object]:
        node = self.node(dest)
        if node is not None:
            node.release(f"{instance.id.hex}:resize")
        group = self.group_of(instance)
        if group is not None:
            group.cancel_move(instance.id.hex)
        ledger = open_ledger(self.app, instance.project_id)
        held_after = instance.quota_held()
        ledger.release({k: held_before[k] - held_after[k] for k in held_before},
                       instance.user_id)
        return [ledger, *([node] if node else []), *([group] if group is not None else [])]

    def node(self, host: str | None) -> ComputeNode | None:
        found = self.app.find(node_id(host)) if host else None
        return found if isinstance(found, ComputeNode) else None

    def group_of(self, instance: Instance) -> ServerGroup | None:
        if instance.server_group_id is None:
            return None
        group = self.app.find(UUID(instance.server_group_id))
        return group if isinstance(group, ServerGroup) else None
