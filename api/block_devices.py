"""`block_device_mapping_v2` on server create: what the server boots from.

Three boot mappings (boot_index 0) are understood, as Nova has them:
- {source_type: image, destination_type: local}: what `imageRef` means (openstack CLI and
  openstacksdk send the image this way as well as in `imageRef`);
- {source_type: image, destination_type: volume, volume_size}: a new volume made from the image
  is the root disk (boot from volume; `imageRef` may then be empty);
- {source_type: volume, destination_type: volume}: an existing volume is the root disk.
Mappings of further disks (boot_index other than 0, blank, snapshot) are refused (400). The
messages are Nova's (nova/block_device.py `BlockDeviceDict.from_api`, nova/compute/api.py).

From 2.67 a mapping may name the `volume_type` of the volume it makes, by name or id. Only
the default type (or none) is accepted yet, since the root volume a boot makes is always of
that type; any other name is Nova's 400 for a type Cinder does not know. Types made through
the Block Storage API's /types are not yet usable here (the boot would have to give the type
to the volume it makes).
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.microversions import Version
from domain.errors import InvalidInput
from domain.services.compute.boot_volumes import RootVolumeRequest, bdm_invalid
from domain.storage.volume_type import DEFAULT_TYPE, DEFAULT_TYPE_ID


class BlockDeviceMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source_type: Literal["image", "volume", "snapshot", "blank"] = "blank"
    destination_type: Literal["local", "volume"] | None = None
    uuid: UUID | None = None
    boot_index: int | str | None = None
    delete_on_termination: bool = False
    device_name: str | None = Field(default=None, max_length=255)
    volume_size: int | None = Field(default=None, ge=0)
    device_type: str | None = Field(default=None, max_length=255)
    disk_bus: str | None = Field(default=None, max_length=255)
    guest_format: str | None = Field(default=None, max_length=255)
    tag: str | None = Field(default=None, max_length=60)
    volume_type: str | None = Field(default=None, max_length=255)  # from 2.67

    @property
    def destination(self) -> str:
        # Nova's default: an image goes to a local disk, anything else to a volume.
        return self.destination_type or ("local" if self.source_type == "image" else "volume")


def check_volume_types(mappings: list[BlockDeviceMapping] | None, version: Version) -> None:
    for bdm in mappings or []:
        if "volume_type" not in bdm.model_fields_set:
            continue
        if version < "2.67":
            raise InvalidInput("Additional properties are not allowed ('volume_type' was "
                               "unexpected)")
        if bdm.volume_type not in (None, DEFAULT_TYPE, str(DEFAULT_TYPE_ID)):
            raise InvalidInput(f"Volume type {bdm.volume_type} could not be found.")


def boot_source(mappings: list[BlockDeviceMapping] | None, image_ref: str,
                max_count: int = 1) -> tuple[str, RootVolumeRequest | None]:
    """The image the server boots from (empty when it boots from a volume) and its root volume
    request, if any, after checking the mappings the way Nova does."""
    mappings = mappings or []
    indexes = [_boot_index(bdm) for bdm in mappings]
    for bdm, index in zip(mappings, indexes, strict=True):
        if bdm.source_type != "blank" and bdm.uuid is None:
            raise bdm_invalid("Missing device UUID.")
        if bdm.source_type == "image" and bdm.destination == "local" and index != 0:
            raise bdm_invalid("Mapping image to local is not supported.")
    # Nova: the bootable devices are numbered 0, 1, ... and there is one (or imageRef is it).
    boot = sorted(i for i in indexes if i is not None and i >= 0)
    if mappings and (boot != list(range(len(boot))) or not (boot or image_ref)):
        raise bdm_invalid("Boot sequence for the instance and image/block device mapping "
                          "combination is not valid.")
    if any(index != 0 for index in indexes):
        raise InvalidInput("Block device mappings other than the boot disk (boot_index 0) are "
                           "not supported yet.")
    if not mappings:
        if not image_ref:
            raise InvalidInput("Missing imageRef attribute")
        return image_ref, None
    root = mappings[0]
    return _root(root, image_ref, max_count)


def _root(bdm: BlockDeviceMapping, image_ref: str,
          max_count: int) -> tuple[str, RootVolumeRequest | None]:
    uuid = str(bdm.uuid)
    if bdm.source_type == "image":
        if image_ref and _uuid(image_ref) != bdm.uuid:
            raise InvalidInput("imageRef and the boot image's block device mapping disagree.")
        if bdm.destination == "local":
            return image_ref or uuid, None
        if not bdm.volume_size:
            raise InvalidInput("Images with destination_type 'volume' need to have a non-zero "
                               "size specified")
        return "", RootVolumeRequest("image", uuid, bdm.volume_size, bdm.delete_on_termination)
    if bdm.source_type == "volume" and bdm.destination == "volume":
        if max_count > 1:
            raise InvalidInput("Cannot attach one or more volumes to multiple instances")
        return "", RootVolumeRequest("volume", uuid, None, bdm.delete_on_termination)
    raise InvalidInput(f"Booting from a {bdm.source_type} mapped to {bdm.destination} is not "
                       "supported yet.")


def _boot_index(bdm: BlockDeviceMapping) -> int | None:
    if bdm.boot_index is None or bdm.boot_index == "None":
        return None
    try:
        return int(bdm.boot_index)
    except ValueError:
        raise bdm_invalid("Boot index is invalid.") from None


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value.rstrip("/").rsplit("/", 1)[-1])
    except ValueError:
        return None
