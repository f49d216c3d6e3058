"""`block_device_mapping_v2` on server create.

openstack CLI and openstacksdk send the image they boot from twice: as `imageRef` and as a
mapping {source_type: image, destination_type: local, boot_index: 0}. That mapping means exactly
what `imageRef` means and is accepted; mappings to volumes arrive with block storage.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.errors import InvalidInput


class BlockDeviceMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source_type: Literal["image", "volume", "snapshot", "blank"] = "blank"
    destination_type: Literal["local", "volume"] | None = None
    uuid: UUID | None = None
    boot_index: int | str | None = None
    delete_on_termination: bool = False
    device_name: str | None = Field(default=None, max_length=255)
    volume_size: int | None = Field(default=None, ge=1)
    device_type: str | None = Field(default=None, max_length=255)
    disk_bus: str | None = Field(default=None, max_length=255)
    guest_format: str | None = Field(default=None, max_length=255)
    tag: str | None = Field(default=None, max_length=60)


def boot_image(mappings: list[BlockDeviceMapping] | None, image_ref: str) -> str:
    """The image the server boots from, after checking the mappings say nothing more."""
    for bdm in mappings or []:
        local_image = bdm.source_type == "image" and bdm.destination_type in (None, "local")
        if not local_image or str(bdm.boot_index) not in ("0", "None"):
            raise InvalidInput("Block device mappings other than the boot image (source_type "
                               "image, destination_type local, boot_index 0) are not supported "
                               "yet.")
        if bdm.uuid is None:
            raise InvalidInput("The boot image's block device mapping needs a uuid.")
        if image_ref and UUID(str(bdm.uuid)) != _uuid(image_ref):
            raise InvalidInput("imageRef and the boot image's block device mapping disagree.")
        image_ref = image_ref or str(bdm.uuid)
    if not image_ref:
        raise InvalidInput("imageRef is required: booting from a volume is not supported yet.")
    return image_ref


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value.rstrip("/").rsplit("/", 1)[-1])
    except ValueError:
        return None
