"""Taking an instance's copies (domain/compute/copies.py) of catalog entries."""

from __future__ import annotations

from domain.catalog.flavor import Flavor
from domain.catalog.image import Image
from domain.compute.copies import FlavorCopy, ImageCopy


def flavor_copy(flavor: Flavor) -> FlavorCopy:
    return {
        "id": flavor.flavorid,
        "name": flavor.name,
        "vcpus": flavor.vcpus,
        "ram": flavor.ram,
        "disk": flavor.disk,
        "ephemeral": flavor.ephemeral,
        "swap": flavor.swap,
        "extra_specs": dict(flavor.extra_specs),
    }


def image_copy(image: Image) -> ImageCopy:
    return {
        "id": image.id.hex,
        "name": image.name,
        "disk_format": image.disk_format,
        "container_format": image.container_format,
        "content_hash": image.content_hash,
        "min_disk": image.min_disk,
        "min_ram": image.min_ram,
        "properties": dict(image.properties),
    }


def volume_image_copy(image: Image) -> ImageCopy:
    """What a volume made from the image keeps of it: the copy, with the file's size and
    checksum (Cinder's volume_image_metadata shows them)."""
    return {**image_copy(image), "size": image.size, "checksum": image.checksum}
