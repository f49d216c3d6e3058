"""Nova's `sort_key`/`sort_dir` for GET /servers: which values a server sorts by, and paging
after a marker in that order.

The read model keeps servers newest first (by creation); an explicit sort is done here over the
filtered rows, as Nova's paginate_query does in SQL: the keys asked for, then `created_at` and
`id` (nova.db.utils.process_sort_params), each key ascending or descending, a missing value
lowest (MySQL's NULL order). A marker is the row after which the page starts in that order.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from domain.compute.guest_metadata import hostname_of as hostname
from domain.errors import Forbidden, InvalidInput

Row = dict[str, Any]

# Keys Nova accepts but ignores for sorting (SERVER_LIST_IGNORE_SORT_KEY; `locked` sorts
# from 2.73).
IGNORED = frozenset({
    "architecture", "cell_name", "cleaned", "default_ephemeral_device", "default_swap_device",
    "deleted", "deleted_at", "disable_terminate", "ephemeral_gb", "ephemeral_key_uuid", "id",
    "key_data", "launched_on", "locked", "memory_mb", "os_type", "reservation_id", "root_gb",
    "shutdown_terminate", "user_data", "vcpus", "vm_mode"})
ADMIN_ONLY = frozenset({"host", "node"})


def _flavor_id(server: Row) -> Any:
    return (server.get("flavor") or {}).get("id")


def _image_id(server: Row) -> Any:
    return (server.get("image") or {}).get("id")


# The value of each of Nova's sort keys on a server row (api/bodies/servers.py shows the same
# fields); keys naming what a server here never has (kernel_id, ...) sort as missing.
FIELDS: dict[str, Callable[[Row], Any]] = {
    "uuid": lambda s: s["id"], "display_name": lambda s: s["name"],
    "display_description": lambda s: s.get("description"),
    "hostname": lambda s: s.get("hostname") or hostname(s["name"]),
    "host": lambda s: s.get("host"), "node": lambda s: s.get("host"),
    "created_at": lambda s: s.get("created_at"), "updated_at": lambda s: s.get("updated_at"),
    "launched_at": lambda s: s.get("launched_at"),
    "terminated_at": lambda s: s.get("terminated_at"),
    "vm_state": lambda s: s.get("vm_state"), "task_state": lambda s: s.get("task_state"),
    "power_state": lambda s: s.get("power_state"), "key_name": lambda s: s.get("key_name"),
    "project_id": lambda s: s.get("project_id"), "user_id": lambda s: s.get("user_id"),
    "launch_index": lambda s: s.get("launch_index"), "locked": lambda s: bool(s.get("locked")),
    "locked_by": lambda s: s.get("locked_by"), "image_ref": _image_id,
    "instance_type_id": _flavor_id, "access_ip_v4": lambda s: s.get("access_ip_v4"),
    "access_ip_v6": lambda s: s.get("access_ip_v6"),
    "auto_disk_config": lambda s: s.get("disk_config") == "AUTO",
    "progress": lambda s: 0,
}
TIEBREAKERS = ("created_at", "uuid")  # Nova's default keys ('id' is its integer row id)


def sort_params(params: Mapping[str, str], version_has_locked: bool,
                is_admin: bool) -> tuple[list[str], list[str]] | None:
    """The keys and directions to sort by, as Nova's get_sort_params, remove_invalid_sort_keys
    and process_sort_params (default direction desc) make them; None when the request names
    neither (the read model's own order, newest first, is Nova's default)."""
    getall = getattr(params, "getlist", None)

    def values(name: str) -> list[str]:
        found = getall(name) if getall else [params[name]] if name in params else []
        return [value.strip() for value in found]

    keys, dirs = values("sort_key"), values("sort_dir")
    if not keys and not dirs:
        return None
    keys, dirs = keys or ["created_at"], dirs or ["desc"]
    ignored = IGNORED - ({"locked"} if version_has_locked else set())
    for key in list(keys):
        if key in ignored:
            if len(dirs) > keys.index(key):
                dirs.pop(keys.index(key))
            keys.remove(key)
        elif key in ADMIN_ONLY and not is_admin:
            raise Forbidden(f"Only administrators can sort servers by {key}")
    default = dirs[0] if dirs else "desc"
    if any(direction not in ("asc", "desc") for direction in dirs):
        raise InvalidInput("Unknown sort direction, must be 'desc' or 'asc'")
    if len(dirs) > len(keys):
        raise InvalidInput("Sort direction size exceeds sort key size")
    dirs += [default] * (len(keys) - len(dirs))
    for key in TIEBREAKERS:
        if key not in keys:
            keys.append(key)
            dirs.append(default)
    return keys, dirs


def _missing(_: Row) -> None:
    return None  # a key naming what a server here never has (kernel_id, ramdisk_id, ...)


def _compare(a: Any, b: Any) -> int:
    if a is None or b is None:
        return (a is not None) - (b is not None)  # missing is lowest
    return int(a > b) - int(a < b)


class ServerOrder:
    """An order over server rows: `zone` gives a row's availability zone as the API shows it
    (its host's zone, api/bodies/servers.zone_of), which the row alone does not hold."""

    def __init__(self, keys: list[str], dirs: list[str], zone: Callable[[Row], str]) -> None:
        self.pairs = list(zip(keys, dirs, strict=True))
        self.fields: dict[str, Callable[[Row], Any]] = {**FIELDS, "availability_zone": zone}

    def compare(self, x: Row, y: Row) -> int:
        for key, direction in self.pairs:
            value = self.fields.get(key, _missing)
            order = _compare(value(x), value(y))
            if order:
                return order if direction == "asc" else -order
        return 0

    def sorted(self, rows: Sequence[Row], marker: Row | None) -> list[Row]:
        """The rows in order, from just after the marker's place when there is one: its place
        by its values, as paginate_query finds it, so a marker the filters left out works."""
        after = [r for r in rows if marker is None or self.compare(marker, r) < 0]
        return sorted(after, key=functools.cmp_to_key(self.compare))
