"""What a server's body gains from 2.96 (Nova's views/servers.py):

- 2.96 `pinned_availability_zone`: the zone the server is held to (Nova's request spec zone):
  the one it was booted or unshelved into (2.77) by name, or pinned by PUT from 2.104; null
  when none was asked for.
- 2.98 the image's `properties`: those of its image that Nova's ImageMetaProps knows (hw_*,
  img_*, os_*, traits_required and their legacy names), as strings of at most 255 characters,
  as Nova keeps them in the instance's system metadata. A volume-backed server's image is "".
- 2.100 `scheduler_hints`: the hints the boot gave that the scheduler kept (same_host,
  different_host, group); {} when none. Hints no filter here reads are not kept.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from api.microversions import Version

# nova/objects/image_meta.py ImageMetaProps.fields, and its _legacy_property_map's keys.
IMAGE_META_PREFIXES = ("hw_", "img_", "os_")
IMAGE_META_KEYS = frozenset({
    "traits_required", "architecture", "owner_id", "vmware_disktype", "vmware_image_version",
    "vmware_ostype", "auto_disk_config", "ipxe_boot", "xenapi_device_id",
    "xenapi_image_compression_level", "vmware_linked_clone", "xenapi_use_agent",
    "xenapi_skip_agent_inject_ssh", "xenapi_skip_agent_inject_files_at_boot", "cache_in_nova",
    "vm_mode", "bittorrent", "mappings", "block_device_mapping", "bdm_v2", "root_device_name",
    "hypervisor_version_requires", "hypervisor_type"})
SYSTEM_METADATA_MAX = 255  # Nova's instance_system_metadata value column


def image_meta(key: str) -> bool:
    return key.startswith(IMAGE_META_PREFIXES) or key in IMAGE_META_KEYS


def shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text[:SYSTEM_METADATA_MAX]


def image_properties(image: dict[str, Any]) -> dict[str, str | None]:
    props = image.get("properties") or {}
    return {k: shown(v) for k, v in sorted(props.items()) if image_meta(k) and v is not None}


def scheduler_hints(server: dict[str, Any]) -> dict[str, Any]:
    hints = server.get("hints") or {}
    shown_hints: dict[str, Any] = {
        key: [str(UUID(str(ident))) for ident in hints[key]]
        for key in ("same_host", "different_host") if hints.get(key)}
    if server.get("server_group_id"):
        shown_hints["group"] = str(UUID(server["server_group_id"]))
    return shown_hints


def image_with_properties(image: dict[str, Any] | str, server: dict[str, Any],
                          version: Version) -> dict[str, Any] | str:
    """The body's `image` (as older versions show it), with its properties from 2.98."""
    if version < "2.98" or not isinstance(image, dict):
        return image
    return {**image, "properties": image_properties(server["image"] or {})}


def newer_fields(server: dict[str, Any], version: Version) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if version >= "2.96":
        fields["pinned_availability_zone"] = server.get("requested_az") or None
    if version >= "2.100":
        fields["scheduler_hints"] = scheduler_hints(server)
    return fields
