"""Nova's filters on a server's own columns in GET /servers and /servers/detail: an admin
(`os_compute_api:servers:allow_all_filters`) may use them at every microversion, anyone from
2.83; before that they are dropped from a non-admin's query, as Nova's remove_invalid_options
drops them. `user_id`, `vm_state` and `task_state` match exactly (a repeated parameter is any of
its values), the others as Nova's regular expression filter does on its database: the pattern
searched anywhere in the column's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from domain.compute.states import PowerState
from domain.errors import InvalidInput

EXACT = ("user_id", "vm_state", "task_state")
SEARCHED = ("availability_zone", "config_drive", "key_name", "created_at", "launched_at",
            "terminated_at", "power_state", "progress")
Server = dict[str, Any]


def values_of(params: Mapping[str, str], name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    return list(getlist(name)) if getlist else [params[name]]


def column(server: Server, name: str, zone: Callable[[Server], str]) -> str:
    if name == "availability_zone":
        return zone(server)
    if name == "power_state":
        return str(int(PowerState(server["power_state"])))
    if name == "config_drive":
        return "True" if server.get("config_drive") else ""  # as the bodies show it
    if name == "progress":
        return str(server.get("progress") or 0)  # as the bodies show it
    value = server.get(name)
    return "" if value is None else str(value)


def own_filters(params: Mapping[str, str], zone: Callable[[Server], str]
                ) -> Callable[[Server], bool]:
    """The servers these parameters keep; call only for callers allowed them."""
    exact = {name: set(values_of(params, name)) for name in EXACT if name in params}
    try:
        searched = {name: re.compile(params[name]) for name in SEARCHED if name in params}
    except re.error as bad:
        raise InvalidInput(f"Invalid filter regular expression: {bad}") from None
    if not exact and not searched:
        return lambda _: True

    def keep(server: Server) -> bool:
        return all(str(server.get(name)) in wanted for name, wanted in exact.items()) and \
            all(p.search(column(server, name, zone)) for name, p in searched.items())
    return keep
