"""The rebuild workload's part for volume group types and volume type encryption:
test_projections_rebuild.py calls it with its admin `Api` and the admin project's id."""

from __future__ import annotations

from typing import Any


def drive_group_types_and_encryption(api: Any, admin_project: str) -> None:
    types = f"/volume/v3/{admin_project}/types"
    # Group types (3.11): specs set and one unset, a rename, one deleted.
    groups = f"/volume/v3/{admin_project}/group_types"
    v311 = {**api.headers, "OpenStack-API-Version": "volume 3.11"}
    kept = api("POST", groups, {"group_type": {"name": "rb-group", "group_specs": {"a": "1"}}},
               headers=v311)["group_type"]["id"]
    api("POST", f"{groups}/{kept}/group_specs", {"group_specs": {"b": "2"}}, headers=v311)
    api("DELETE", f"{groups}/{kept}/group_specs/a", headers=v311)
    api("PUT", f"{groups}/{kept}", {"group_type": {"name": "rb-grouped"}}, headers=v311)
    dropped = api("POST", groups, {"group_type": {"name": "rb-ungrouped"}},
                  headers=v311)["group_type"]["id"]
    api("DELETE", f"{groups}/{dropped}", headers=v311)
    # Encryption specs of types made for it (a volume of an encrypted type is refused): one
    # kept and changed, one removed.
    for name, keep in (("rb-crypt", True), ("rb-uncrypt", False)):
        crypt = api.create(types, "volume_type", {"name": name})
        spec = api("POST", f"{types}/{crypt}/encryption", {"encryption": {
            "provider": "luks", "control_location": "front-end", "cipher": "aes-xts-plain64",
            "key_size": 256}})["encryption"]["encryption_id"]
        if keep:
            api("PUT", f"{types}/{crypt}/encryption/{spec}", {"encryption": {"key_size": 512}})
        else:
            api("DELETE", f"{types}/{crypt}/encryption/{spec}")
