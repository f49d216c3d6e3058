"""What an instance keeps of its flavor, its image and its ports: copies taken when it is booted,
resized or rebuilt (or a port attached), so that later changes to the catalog or the network
never change a running server.

They are TypedDicts rather than dataclasses on purpose: they travel inside Instance events, and as
plain JSON objects there they need no transcoding and no upcaster; typed, mypy checks every key
every reader asks for.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class FlavorCopy(TypedDict):
    id: str  # the flavor's flavorid, as the API names it
    name: str
    vcpus: int
    ram: int  # MiB
    disk: int  # GiB
    ephemeral: int  # GiB
    swap: int  # MiB
    extra_specs: dict[str, str]


class ImageCopy(TypedDict, total=False):
    """Empty (`{}`) for a server booted from a volume that was made from no image."""

    id: str  # hex
    name: str | None
    disk_format: str | None
    container_format: str | None
    content_hash: str | None  # the file in the image store; None for a volume-backed server's
    min_disk: int
    min_ram: int
    properties: dict[str, Any]
    size: int | None  # a volume made from the image carries these two as well
    checksum: str | None


class PortCopy(TypedDict):
    id: str  # hex
    network_id: str  # hex
    network_name: str
    mac: str
    fixed_ip: str  # the primary address (IPv4 first), as the guest's DHCP lease gives it
    # True for a port its user made and attached (by port_id): a detach or the server's delete
    # unbinds it and leaves it, as Nova's preserve_on_delete; absent: the server's own port.
    preserve_on_delete: NotRequired[bool]
