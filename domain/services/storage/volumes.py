"""Volume commands: create, update, extend, delete, and an administrator's status reset (the
other actions: volume_actions.py, uploads.py, attachments.py).

Creating a volume claims `volumes` and `gigabytes` on the project's quota ledger in the same
`save()` as the new volume, and an extend claims the extra gigabytes with the extend request: two
concurrent requests that both saw room for the last gigabyte cannot both commit (one conflicts
and reruns on fresh state, `@command`). The claims are given back when the storage worker
confirms the deletion (outcomes.py), so a volume whose creation failed holds its quota until it
is deleted, as in Cinder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.catalog.image import Image
from domain.commands import changed, command
from domain.compute.copies import ImageCopy
from domain.context import RequestContext
from domain.errors import InvalidInput, QuotaExceeded
from domain.quota.ledger import QuotaLedger
from domain.quota.limits import UNLIMITED
from domain.services.compute.copies import volume_image_copy
from domain.services.quotas import default_limits, open_ledger
from domain.services.storage.attachments import AttachCommands
from domain.services.storage.group_members import joining_group
from domain.services.storage.lookup import live
from domain.services.storage.messages import MessageCommands
from domain.services.storage.outcomes import VolumeOutcomes, failure_message
from domain.services.storage.sources import copied_from
from domain.services.storage.types import find_type, usable_type
from domain.services.storage.uploads import VolumeUploadCommands
from domain.services.storage.volume_actions import VolumeActions
from domain.storage.quota_claims import difference, growth, volume_claim
from domain.storage.snapshot import Snapshot
from domain.storage.user_message import NO_BACKEND
from domain.storage.volume import Volume
from domain.storage.volume_states import check_retype
from domain.storage.volume_type import DEFAULT_TYPE_ID, VolumeType

GIB = 2**30
MAX_SIZE = 2**31 - 1  # Cinder's DB_MAX_INT
UPDATABLE = ("name", "description", "metadata")


@dataclass(frozen=True)
class VolumeRequest:
    size: int | None  # None: the size of the snapshot or volume it is copied from
    name: str | None = None
    description: str | None = None
    image_ref: str | None = None
    availability_zone: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    volume_type: str | None = None  # a type's id or name; None: the default type
    # The storage host chosen for it (None: this service's own), or why none could be: the
    # volume is then recorded in error, as Cinder's scheduler leaves it.
    host: str | None = None
    unschedulable: str | None = None
    snapshot_id: str | None = None  # a copy of this snapshot (in its volume's pool)
    source_volid: str | None = None  # a clone of this volume (in its pool)
    group_id: str | None = None  # made in this group (3.13)


def check_size(size: object) -> int:
    """The API validates types; this is the domain's backstop."""
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_SIZE:
        raise InvalidInput(f"Invalid input received: Volume size '{size}' must be an integer "
                           "and greater than 0")
    return size


def check_volume_size_limit(ledger: QuotaLedger, size: int,
                            defaults: dict[str, int] | None = None) -> None:
    """Cinder's per_volume_gigabytes: how large one volume may be (-1: any size); `defaults`:
    the default quota class's."""
    limit = ledger.limit("per_volume_gigabytes", defaults)
    if limit != UNLIMITED and size > limit:
        raise VolumeSizeExceedsLimit(size, limit)


class VolumeSizeExceedsLimit(QuotaExceeded):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__("per_volume_gigabytes", size, 0, limit)


class VolumeService(AttachCommands, VolumeActions, VolumeUploadCommands, MessageCommands,
                    VolumeOutcomes):
    def __init__(self, app: SkyLedger, availability_zone: str = "nova",
                 host: str | None = None) -> None:
        """`host` is the storage host whose pool holds new volumes; `availability_zone` the
        one zone volumes are offered in."""
        self.app, self.availability_zone, self.host = app, availability_zone, host

    @command
    def create(self, ctx: RequestContext, req: VolumeRequest) -> Volume:
        """`req.group_id`: made in that group (3.13), saved with it."""
        group = joining_group(self, ctx, req.group_id)
        ledger = open_ledger(self.app, str(ctx.project_id))
        volume, saved = self.build(ctx, req, ledger)
        if group is not None:
            group.check_accepts(volume.volume_type_id or DEFAULT_TYPE_ID.hex)
            volume.join_group(group.id.hex, new=True)
            group.change_members([volume.id.hex], [])
        self.app.save(*changed(volume, ledger, *saved, group))
        return volume

    def build(self, ctx: RequestContext, req: VolumeRequest, ledger: QuotaLedger,
              types: dict[str, VolumeType] | None = None) -> tuple[Volume, list[Any]]:
        """A new volume claimed on `ledger`, with what to save along: its type (counting it)
        and the user message of a volume no backend could take. `types`: those already loaded
        for the same save (a group's volumes made together), by id."""
        source = copied_from(self, ctx, req.snapshot_id, req.source_volid)
        size = check_size(req.size if req.size is not None or source is None else source.size)
        zone = req.availability_zone or self.availability_zone
        if zone != self.availability_zone:
            raise InvalidInput(f"Invalid input received: Availability zone '{zone}' is invalid.")
        vtype = usable_type(self.app, ctx, req.volume_type)
        image = self.source_image(ctx, req.image_ref, size) if req.image_ref is not None \
            else None
        host, unschedulable = req.host or self.host, req.unschedulable
        if source is not None:
            source.check_size(size)
            image, host, unschedulable = source.image, source.host, None
            if req.volume_type is None and source.volume_type_id:
                vtype = find_type(self.app, source.volume_type_id)
        if types is not None and vtype is not None:
            vtype = types.setdefault(vtype.id.hex, vtype)
        defaults = default_limits(self.app)
        check_volume_size_limit(ledger, size, defaults)
        ledger.claim(volume_claim(size, vtype.id.hex if vtype else None), defaults)
        volume = Volume(str(ctx.project_id), str(ctx.user_id), req.name, req.description, size,
                        zone, image, dict(req.metadata), host,
                        volume_type_id=vtype.id.hex if vtype else None,
                        snapshot_id=source.id if source and source.snapshot else None,
                        source_volid=source.id if source and not source.snapshot else None)
        message = None
        if unschedulable is not None:  # Cinder's scheduler leaves it in error, and says why
            volume.create_failed(unschedulable)
            message = failure_message(ctx, volume, NO_BACKEND)
        if vtype is not None:
            vtype.use(volume.id.hex)  # the type cannot be deleted while the volume exists
        return volume, [vtype, message]

    def source_image(self, ctx: RequestContext, ref: str, size: int) -> ImageCopy:
        """The image a volume is made from: active, visible to the caller, and fitting."""
        image = live(self.app, ref, Image)
        if not isinstance(image, Image) or not image.visible_to(ctx.project_id, ctx.is_admin):
            raise InvalidInput("Invalid image identifier or unable to access requested image.")
        if image.status != "active":
            raise InvalidInput(f"Invalid input received: Image {ref} is not active.")
        image_gib = -(-int(image.size or 0) // GIB)
        if image_gib > size:
            raise InvalidInput(f"Invalid input received: Size of specified image {image_gib}GB "
                               f"is larger than volume size {size}GB.")
        if image.min_disk > size:
            raise InvalidInput(f"Invalid input received: Volume size {size}GB cannot be smaller "
                               f"than the image minDisk size {image.min_disk}GB.")
        return volume_image_copy(image)

    @command
    def update(self, ctx: RequestContext, volume_id: UUID | str,
               changes: dict[str, Any]) -> Volume:
        volume = self.volume(ctx, volume_id)
        unknown = sorted(set(changes) - set(UPDATABLE))
        if unknown:
            raise InvalidInput(f"Invalid input received: cannot update {', '.join(unknown)}.")
        different = {k: v for k, v in changes.items() if getattr(volume, k) != v}
        if different:
            volume.update(different)
            self.app.save(volume)
        return volume

    @command
    def retype(self, ctx: RequestContext, volume_id: UUID | str, new_type: str) -> Volume:
        """Cinder's os-retype within the volume's pool: the type changes, no data moves. A type
        naming another backend (`volume_backend_name`) would need a migration: refused."""
        volume = self.volume(ctx, volume_id)
        new = usable_type(self.app, ctx, new_type)
        old = find_type(self.app, volume.volume_type_id) if volume.volume_type_id else None
        if (new and new.id.hex) == volume.volume_type_id:
            raise InvalidInput("Invalid input received: Retype requested to the same volume "
                               "type.")
        if (new and new.backend_name) != (old and old.backend_name):
            raise InvalidInput("Invalid input received: Retype to a type of another backend "
                               "(volume migration) is not supported.")
        # No data moves (same backend), so the type changes now, on an available or in-use
        # volume; the volume is saved with the types, so a concurrent change conflicts.
        check_retype(volume.id, volume.status)
        held = volume.quota_held()
        volume.update({"volume_type_id": new.id.hex if new else None})
        # The type's share of the claim moves to the new type (Cinder's retype reserves it).
        ledger = open_ledger(self.app, volume.project_id)
        more, less = difference(held, volume.quota_held())
        ledger.claim(more, default_limits(self.app))
        ledger.release(less)
        if new is not None:
            new.use(volume.id.hex)
        if old is not None:
            old.release(volume.id.hex)
        self.app.save(*changed(volume, new, old, ledger))
        return volume

    @command
    def extend(self, ctx: RequestContext, volume_id: UUID | str, new_size: int,
               attached: bool = False) -> Volume:
        """`attached` (3.42): an in-use volume too; its guest is told when it has grown
        (outcomes.py's `extended`)."""
        volume = self.volume(ctx, volume_id)
        volume.request_extend(check_size(new_size), attached)
        ledger = open_ledger(self.app, volume.project_id)
        defaults = default_limits(self.app)
        check_volume_size_limit(ledger, new_size, defaults)
        ledger.claim(growth(new_size - volume.size, volume.volume_type_id), defaults)
        self.app.save(volume, ledger)
        return volume

    @command
    def delete(self, ctx: RequestContext, volume_id: UUID | str,
               cascade: bool = False) -> Volume:
        """Ask the storage worker to delete the volume; its quota goes when it confirms.
        `cascade` (Cinder's cascade=true): its snapshots are deleted with it, in the same
        save, each refusing as its own delete would."""
        volume = self.volume(ctx, volume_id)
        snapshots = [s for s in (live(self.app, i, Snapshot) for i in sorted(volume.snapshots))
                     if isinstance(s, Snapshot)] if cascade else []
        for snapshot in snapshots:
            snapshot.request_delete()
        volume.request_delete(cascade)
        # Snapshots first: the worker follows the log in order, so they are gone before the
        # volume is (a client that saw the volume go finds no snapshot of it either).
        self.app.save(*snapshots, volume)
        return volume

    @command
    def reset_status(self, ctx: RequestContext, volume_id: UUID | str, status: str,
                     detach: bool = False) -> Volume:
        """Cinder's os-reset_status (the API allows it to administrators only): an extend's
        extra claim is given back; an attachment dropped (`detach`, or made available) goes
        with its device on the server."""
        volume = self.volume(ctx, volume_id)
        held = volume.quota_held()
        server_id = (volume.attachment or {}).get("server_id")
        volume.reset_status(status, detach)
        ledger = open_ledger(self.app, volume.project_id)
        ledger.release({k: held[k] - v for k, v in volume.quota_held().items()})
        instance = self.attached_instance(server_id) if volume.attachment is None else None
        if instance is not None:
            instance.volume_detached(volume.id.hex)
        self.app.save(*changed(volume, ledger, instance))
        return volume

    def get(self, ctx: RequestContext, volume_id: UUID | str) -> Volume:
        return self.volume(ctx, volume_id)
