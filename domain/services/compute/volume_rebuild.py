"""Rebuilding a volume-backed server: its root volume keeps the image it was made from unless
the rebuild re-images it (compute 2.93's reimage_boot_volume, as Nova's compute API decides).

Without re-imaging, only the volume's own image may be named: another is Nova's 400
ImageUnacceptable ("Unable to rebuild with a different image for a volume-backed server.").
With it, the rebuild's pending action names the volume, and the host's worker writes the new
image over it before the guest is spawned again (domain/process/compute/root_volumes.py); the
rebuild's success records the volume's new image (`reimaged`).
"""

from __future__ import annotations

from typing import Any

from domain.app import SkyLedger
from domain.catalog.image import Image
from domain.compute.copies import ImageCopy
from domain.compute.instance import Instance
from domain.errors import InvalidInput
from domain.services.compute.copies import volume_image_copy
from domain.services.storage.lookup import live
from domain.storage.volume import Volume


def root_rebuild(app: SkyLedger, instance: Instance, image: ImageCopy, image_ref: str,
                 reimage: bool) -> tuple[dict[str, Any], InvalidInput | None]:
    """The pending rebuild's extra parameters, and the refusal to raise once the instance's
    state has been checked (Nova checks the state first); nothing for an image-backed server."""
    volume = live(app, instance.root_volume, Volume) if instance.root_volume else None
    if not isinstance(volume, Volume):
        return {}, None
    if reimage:
        return {"reimage": volume.id.hex}, None
    if (volume.image or {}).get("id") != image["id"]:
        return {}, InvalidInput(f"Image {image_ref} is unacceptable: Unable to rebuild with a "
                                "different image for a volume-backed server.")
    return {}, None


def root_reimaged(app: SkyLedger, pending: dict[str, Any], image: ImageCopy | None,
                  path: str | None) -> Volume | None:
    """After a rebuild that re-imaged the root volume: the volume, recording its new image (at
    `path` where the pool has it now); None when the rebuild re-imaged nothing."""
    volume = live(app, pending["reimage"], Volume) if pending.get("reimage") else None
    if not isinstance(volume, Volume) or image is None:
        return None
    volume.reimaged(volume_image(app, image), path)
    return volume if volume.pending_events else None


def volume_image(app: SkyLedger, image: ImageCopy) -> ImageCopy:
    """What the volume keeps of the image, as a volume made from it at boot does (with its
    file's size and checksum); the instance's copy when the image has gone since."""
    found = live(app, image["id"], Image)
    return volume_image_copy(found) if isinstance(found, Image) else image
