"""Boot from volume: the root disk of a server is a volume, claimed in the boot's own save.

Two sources, as Nova's block_device_mapping_v2 has them with boot_index 0 and destination
volume: an image (a new volume of `volume_size` GiB is made from it for each server, counted on
the `volumes` and `gigabytes` quota of the same ledger as the server) or an existing available
volume of the project. Either way the volume is reserved as the server's root disk (vda) and the
server records it (`Instance.root_volume`) in the same save as the instance, its quota and its
host claim: two boots of one volume conflict on the volume's version, and only one wins.

The compute worker makes a new root volume at spawn (as Nova's compute manager has Cinder make
it) and reports it attached with the server's Spawned. The messages are Nova's
(nova/compute/api.py `_validate_bdm`, `_validate_flavor_image_nostatus`, nova/exception.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from domain.app import SkyLedger
from domain.catalog.flavor import Flavor
from domain.catalog.image import Image
from domain.compute.copies import FlavorCopy, ImageCopy
from domain.compute.instance import ROOT_DEVICE, Instance
from domain.context import RequestContext
from domain.errors import InvalidInput
from domain.quota.ledger import QuotaLedger
from domain.services.compute.copies import volume_image_copy
from domain.services.quotas import default_limits
from domain.services.storage.lookup import live
from domain.storage.quota_claims import volume_claim
from domain.storage.volume import Volume

GIB = 2**30


@dataclass(frozen=True)
class RootVolumeRequest:
    """The boot mapping (boot_index 0, destination volume) of a server create."""

    source: Literal["image", "volume"]
    uuid: str
    size: int | None = None  # GiB of the new volume (source image); an existing one keeps its own
    delete_on_termination: bool = False


def bdm_invalid(details: str) -> InvalidInput:
    return InvalidInput(f"Block Device Mapping is Invalid: {details}")


@dataclass
class RootVolumes:
    """The root volumes of one boot: checked when made, then one planned per instance."""

    app: SkyLedger
    ctx: RequestContext
    req: RootVolumeRequest
    flavor: Flavor
    image: ImageCopy = field(init=False)  # what each instance records as its image
    source: Volume | None = field(init=False, default=None)  # an existing volume to boot
    planned: list[Volume] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.req.source == "image":
            self.image = self._source_image()
        else:
            self.source = self._source_volume()
            self.image = self.source.image or {}
        if int(self.image.get("min_ram") or 0) > self.flavor.ram:
            raise InvalidInput("Flavor's memory is too small for requested image.")

    def _source_image(self) -> ImageCopy:
        image = live(self.app, self.req.uuid, Image)
        if not isinstance(image, Image) or not image.visible_to(self.ctx.project_id,
                                                                 self.ctx.is_admin):
            raise bdm_invalid(f"failed to get image {self.req.uuid}.")
        if image.status != "active":
            raise InvalidInput(f"Image {self.req.uuid} is not active.")
        size = self.req.size or 0
        if size < 1:
            raise InvalidInput("Images with destination_type 'volume' need to have a non-zero "
                               "size specified")
        if image.min_disk > size:
            raise InvalidInput("Volume is smaller than the minimum size specified in image "
                               f"metadata. Volume size is {size * GIB} bytes, minimum size is "
                               f"{image.min_disk * GIB} bytes.")
        # Nova leaves this to Cinder, whose create then fails on the host; it is certain here
        # already, so it is refused now, in Cinder's words.
        image_gib = -(-int(image.size or 0) // GIB)
        if image_gib > size:
            raise InvalidInput(f"Invalid input received: Size of specified image {image_gib}GB "
                               f"is larger than volume size {size}GB.")
        return volume_image_copy(image)

    def _source_volume(self) -> Volume:
        volume = live(self.app, self.req.uuid, Volume)
        if not isinstance(volume, Volume) or (volume.project_id != self.ctx.project_id
                                              and not self.ctx.is_admin):
            raise bdm_invalid(f"failed to get volume {self.req.uuid}.")
        if not volume.bootable:
            raise InvalidInput(f"Block Device {self.req.uuid} is not bootable.")
        return volume

    def claim_flavor(self, flavor: FlavorCopy) -> FlavorCopy:
        """What the host claim counts: no local root disk (Nova's root_gb 0 when volume-backed)."""
        return {**flavor, "disk": 0}

    def plan(self, instance: Instance, host: str, ledger: QuotaLedger) -> None:
        """Reserve the instance's root volume (a new one claims its quota on `ledger`)."""
        key = instance.id.hex
        dot = self.req.delete_on_termination
        if self.req.source == "image":
            size = int(self.req.size or 0)
            ledger.claim(volume_claim(size, None), default_limits(self.app))  # default type
            volume = Volume(instance.project_id, instance.user_id, "", "", size,
                            instance.availability_zone or "nova", self.image, {}, host,
                            boot_of=key, delete_on_termination=dot)
        else:
            if self.planned or self.source is None:  # the API refuses this already
                raise InvalidInput("Cannot attach one or more volumes to multiple instances")
            volume = self.source
        volume.reserve_for_boot(key, host, dot)
        instance.request_volume_attach(volume.id.hex, ROOT_DEVICE, dot)
        self.planned.append(volume)

    def changed(self) -> list[Volume]:
        return [v for v in self.planned if v.pending_events]


def root_spawned(app: SkyLedger, instance: Instance, host: str,
                 path: str | None) -> Volume | None:
    """The instance's root volume, recorded made (at `path`, when new) and attached to its
    guest on `host`; None when the instance boots from an image."""
    volume = live(app, instance.root_volume, Volume) if instance.root_volume else None
    if not isinstance(volume, Volume):
        return None
    volume.root_attached(instance.id.hex, host, path)
    return volume


def root_rescheduled(app: SkyLedger, instance: Instance, host: str) -> Volume | None:
    """The instance's root volume, following the instance to `host` after a failed spawn
    (Volume.boot_rescheduled); None when there is none or nothing changed. Nova keeps the
    volume its failed attempt made and lets the next host attach it, as Cinder volumes are
    reachable from every host; a pool here is one host's, so a volume still to be made is
    made again by the next host, under the same id and the same quota claim."""
    volume = live(app, instance.root_volume, Volume) if instance.root_volume else None
    if not isinstance(volume, Volume):
        return None
    volume.boot_rescheduled(instance.id.hex, host)
    return volume if volume.pending_events else None
