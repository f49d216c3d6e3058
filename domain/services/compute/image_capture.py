"""createImage: a server's root disk becomes a new image of its project.

(A volume-backed server's image maps snapshots of its volumes instead: volume_image.py.)

The request saves the queued image and the instance's "snapshot" action together, so there is
never an image without the action that fills it, nor the reverse. The host's worker copies the
root disk into the image store, and its outcome records the file on the image in the same save
as the action's end (`snapshot_saved`); a failed snapshot deletes the image, as Nova does.

The image inherits its base image's properties (a kernel_id/ramdisk_id pair among them, so a
server booted from it boots the same way) and records where it came from, as Nova's snapshot
metadata does: instance_uuid, image_type "snapshot", base_image_ref, user_id.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from domain.app import SkyLedger
from domain.backends import StoredBlob
from domain.catalog.image import Image
from domain.catalog.image_file import ImageFile, image_file_id
from domain.commands import command
from domain.compute.instance import Instance
from domain.context import RequestContext
from domain.errors import InvalidInput
from domain.services.compute.actions import ActionService
from domain.services.compute.volume_image import volume_backed_image
from domain.services.images import uploaded

# Properties that describe the instance a snapshot came from, not its base image: set anew.
PROVENANCE = ("instance_uuid", "image_type", "base_image_ref", "user_id", "image_location",
              "owner_project_name", "owner_user_name")


class SnapshotService:
    def __init__(self, app: SkyLedger, actions: ActionService) -> None:
        self.app, self.actions = app, actions

    @command
    def create_image(self, ctx: RequestContext, instance_id: str, name: str,
                     metadata: dict[str, str] | None = None) -> Image:
        instance = self.actions.instance(ctx, instance_id)
        self.actions.check_host_supports(instance, "snapshot")
        image = snapshot_image(instance, name, ctx.user_id or "", metadata or {})
        if instance.root_volume:
            made, changed = volume_backed_image(self.app, ctx, instance, image)
            self.app.save(made, *changed)
            return made
        instance.request("snapshot", ctx.is_admin, image_id=image.id.hex)
        self.app.save(image, instance)
        return image


    @command
    def create_backup(self, ctx: RequestContext, instance_id: str, name: str, backup_type: str,
                      rotation: int, metadata: dict[str, str] | None = None) -> Image:
        """createBackup: a snapshot marked image_type "backup" with its type; once it is stored,
        the oldest backups of that type beyond `rotation` are deleted (Nova's rotation)."""
        instance = self.actions.instance(ctx, instance_id)
        self.actions.check_host_supports(instance, "backup")
        if getattr(instance, "root_volume", None):
            raise InvalidInput("Backups of volume-backed servers are not supported yet.")
        image = snapshot_image(instance, name, ctx.user_id or "",
                               {**(metadata or {}), "image_type": "backup",
                                "backup_type": backup_type})
        instance.request("backup", ctx.is_admin, image_id=image.id.hex,
                         backup_type=backup_type, rotation=rotation)
        self.app.save(image, instance)
        return image


def snapshot_image(instance: Instance, name: str, user_id: str,
                   metadata: dict[str, str]) -> Image:
    """The queued image a snapshot of the instance's root disk goes into."""
    base = instance.image
    inherited = {k: v for k, v in (base.get("properties") or {}).items()
                 if k not in PROVENANCE}
    # The request's metadata has the last word, as in Nova's compute_utils.create_image.
    properties = {**inherited, "instance_uuid": str(instance.id), "image_type": "snapshot",
                  "base_image_ref": str(UUID(base["id"])) if base.get("id") else "",
                  "user_id": user_id, **metadata}
    return Image(name, instance.project_id, "private", "qcow2", "bare",
                 int(instance.flavor.get("disk") or 0), int(base.get("min_ram") or 0),
                 False, [], properties)


def snapshot_saved(app: SkyLedger, image_id: str, blob: StoredBlob) -> Sequence[object]:
    """The image and its file record, to save with the action's end; nothing on a replay."""
    image = app.find(UUID(image_id))
    if not isinstance(image, Image) or image.status != "queued":
        return []
    return uploaded(app, image, blob)


def snapshot_failed(app: SkyLedger, image_id: str) -> list[object]:
    image = app.find(UUID(image_id))
    if not isinstance(image, Image) or image.deleted or image.status != "queued":
        return []
    image.delete()
    return [image]


def image_discarded(app: SkyLedger, image_id: str | None,
                    loaded: Sequence[object] = ()) -> list[Image | ImageFile]:
    """An image the server no longer needs (its shelved image once unshelved, a backup past its
    rotation), deleted as Nova deletes them: the image and its file's hold, to save with the
    action's outcome (the file itself is left for the image store's sweep). `loaded`: the
    aggregates already in that save; a file among them (images of the same bytes share one) is
    changed there, not loaded a second time."""
    image = app.find(UUID(image_id)) if image_id else None
    if not isinstance(image, Image) or image.deleted:
        return []
    image.delete()
    if not image.content_hash:
        return [image]
    key = image_file_id(image.content_hash)
    file = next((a for a in loaded if isinstance(a, ImageFile) and a.id == key), None)
    ours = file is None
    file = app.find(key) if file is None else file
    if isinstance(file, ImageFile) and image.id.hex in file.holders:
        file.release(image.id.hex)
        return [image, file] if ours else [image]
    return [image]
