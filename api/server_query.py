"""The query parameters GET /servers and /servers/detail know (Nova's index_query_v275): from
2.75 any other is 400, and `sort_key` must be one Nova sorts by."""

from __future__ import annotations

from collections.abc import Mapping

from api.microversions import Version
from api.strict_query import STRICT_SINCE, check_known
from domain.errors import InvalidInput

SORT_KEYS_V275 = frozenset({
    "access_ip_v4", "access_ip_v6", "auto_disk_config", "availability_zone", "config_drive",
    "created_at", "display_description", "display_name", "host", "hostname", "image_ref",
    "instance_type_id", "kernel_id", "key_name", "launch_index", "launched_at", "locked",
    "locked_by", "node", "power_state", "progress", "project_id", "ramdisk_id",
    "root_device_name", "task_state", "terminated_at", "updated_at", "user_id", "uuid",
    "vm_state"})
KNOWN_V275 = frozenset({
    "user_id", "project_id", "tenant_id", "launch_index", "image_ref", "image", "kernel_id",
    "ramdisk_id", "hostname", "key_name", "power_state", "vm_state", "task_state", "host",
    "node", "flavor", "reservation_id", "launched_at", "terminated_at", "availability_zone",
    "name", "display_name", "description", "display_description", "locked_by", "uuid",
    "root_device_name", "config_drive", "access_ip_v4", "access_ip_v6", "auto_disk_config",
    "progress", "sort_key", "sort_dir", "all_tenants", "soft_deleted", "deleted", "status",
    "changes-since", "ip", "ip6", "created_at", "limit", "marker",
    # joined tables: known to the schema, refused by Nova's filter check
    "block_device_mapping", "services", "metadata", "system_metadata", "info_cache",
    "security_groups", "pci_devices",
    "tags", "tags-any", "not-tags", "not-tags-any", "changes-before", "locked"})


def check_server_query(params: Mapping[str, str], version: Version) -> None:
    if version < STRICT_SINCE:
        return
    check_known(params.keys(), KNOWN_V275)
    getall = getattr(params, "getlist", None)
    for key in (getall("sort_key") if getall else [params.get("sort_key")]):
        if key is not None and key not in SORT_KEYS_V275:
            raise InvalidInput(f"Invalid input for query parameters sort_key. Value: {key}. "
                               f"'{key}' is not one of {sorted(SORT_KEYS_V275)}")
