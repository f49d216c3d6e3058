"""Compute `/os-snapshots` (Nova's Block Storage proxy, below 2.36): create, list, show and
delete a project's volume snapshots in Nova's shape, on the same commands as `/volume/v3`."""

from __future__ import annotations

from typing import Any

from tests.support.compute_api import WORKER, Compute, auth

SNAPSHOTS = "/compute/v2.1/os-snapshots"


def call(compute: Compute, who: dict[str, str], method: str, path: str = "", body: Any = None,
         version: str | None = None, expect: int = 200) -> Any:
    response = compute.client.request(method, f"{SNAPSHOTS}{path}", json=body,
                                      headers=auth(who, version))
    assert response.status_code == expect, response.text
    return response.json() if response.content else None


def available_volume(compute: Compute, who: dict[str, str]) -> str:
    made = compute.client.post("/compute/v2.1/os-volumes", json={"volume": {"size": 2}},
                               headers=auth(who))
    assert made.status_code == 200, made.text
    volume_id = str(made.json()["volume"]["id"])
    compute.cloud.volumes.created(WORKER, volume_id, f"/pool/{volume_id}")
    compute.cloud.sync_read_models()
    return volume_id


def test_create_list_show_delete(compute: Compute, member_a: dict[str, str],
                                 member_b: dict[str, str]) -> None:
    volume_id = available_volume(compute, member_a)
    made = call(compute, member_a, "POST", body={"snapshot": {
        "volume_id": volume_id, "display_name": "snap", "display_description": "d"}})["snapshot"]
    assert (made["volumeId"], made["displayName"], made["displayDescription"], made["size"],
            made["status"]) == (volume_id, "snap", "d", 2, "creating")
    assert set(made) == {"id", "volumeId", "status", "size", "createdAt", "displayName",
                         "displayDescription"}
    snapshot_id = made["id"]
    compute.cloud.volume_snapshots.created(WORKER, snapshot_id, "/pool/s")
    compute.cloud.sync_read_models()
    shown = call(compute, member_a, "GET", f"/{snapshot_id}")["snapshot"]
    assert (shown["status"], shown["displayName"]) == ("available", "snap")
    assert [s["id"] for s in call(compute, member_a, "GET")["snapshots"]] == [snapshot_id]
    assert [s["id"] for s in call(compute, member_a, "GET", "/detail")["snapshots"]] == [
        snapshot_id]
    assert call(compute, member_a, "GET", "?offset=1")["snapshots"] == []
    assert call(compute, member_b, "GET")["snapshots"] == []
    call(compute, member_b, "GET", f"/{snapshot_id}", expect=404)
    call(compute, member_a, "GET", f"/{snapshot_id}", version="2.36", expect=404)
    call(compute, member_a, "POST", body={"snapshot": {"display_name": "x"}}, expect=400)
    call(compute, member_a, "POST", body={"snapshot": {"volume_id": volume_id, "size": 1}},
         expect=400)
    call(compute, member_a, "DELETE", f"/{snapshot_id}", expect=202)
    compute.cloud.volume_snapshots.deleted(WORKER, snapshot_id)
    compute.cloud.sync_read_models()
    call(compute, member_a, "GET", f"/{snapshot_id}", expect=404)
