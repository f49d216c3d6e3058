"""What an instance keeps of its flavor and image: a copy taken when it is booted, resized or
rebuilt, so that later changes to the catalog never change a running server."""

from __future__ import annotations

from typing import Any

from domain.catalog.flavor import Flavor
from domain.catalog.image import Image


def flavor_snapshot(flavor: Flavor) -> dict[str, Any]:
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


def image_snapshot(image: Image) -> dict[str, Any]:
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
