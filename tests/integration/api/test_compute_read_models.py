"""The server and instance-action read models rebuild from event zero to the same rows."""

from __future__ import annotations

from typing import Any

from ops.bootstrap import Cloud
from tests.support.compute_api import Compute, auth

TABLES = {"servers": ("servers", "server_groups", "compute_services"),
          "instance_actions": ("instance_actions", "instance_action_events")}


def snapshot(cloud: Cloud) -> dict[str, list[dict[str, Any]]]:
    return {table: cloud.store.query(f"SELECT * FROM {table} ORDER BY 1, 2")
            for tables in TABLES.values() for table in tables}


def test_rebuilt_read_models_come_out_identical(compute: Compute, member_a: dict[str, str],
                                                admin: dict[str, str]) -> None:
    group = compute.client.post("/compute/v2.1/os-server-groups", headers=auth(member_a), json={
        "server_group": {"name": "g", "policies": ["anti-affinity"]}}).json()["server_group"]
    kept = compute.active(member_a, hints={"group": group["id"]})
    compute.action(member_a, kept, {"resize": {"flavorRef": "2"}})
    compute.succeeded(kept, "resize")
    compute.action(member_a, kept, {"lock": None})
    gone = compute.active(member_a)
    compute.client.delete(f"/compute/v2.1/servers/{gone}", headers=auth(member_a))
    compute.deleted(gone)
    compute.client.put("/compute/v2.1/os-services/disable", headers=admin,
                       json={"host": "host-2", "binary": "nova-compute"})
    compute.cloud.sync_read_models()
    before = snapshot(compute.cloud)
    assert len(before["servers"]) == 2 and before["instance_action_events"]
    for name in TABLES:
        compute.cloud.runners[name].rebuild()
    assert snapshot(compute.cloud) == before
