"""Compute `/os-volumes` (Nova's Block Storage proxy, below 2.36): create, list, show and
delete a project's volumes in Nova's shape, on the same commands as `/volume/v3`."""

from __future__ import annotations

from typing import Any

from domain.context import RequestContext
from domain.services.storage.snapshots import SnapshotRequest
from tests.support.compute_api import WORKER, Compute, auth

VOLUMES = "/compute/v2.1/os-volumes"


def call(compute: Compute, who: dict[str, str], method: str, path: str = "", body: Any = None,
         version: str | None = None, expect: int = 200) -> Any:
    response = compute.client.request(method, f"{VOLUMES}{path}", json=body,
                                      headers=auth(who, version))
    assert response.status_code == expect, response.text
    return response.json() if response.content else None


def test_create_list_show_delete(compute: Compute, member_a: dict[str, str],
                                 member_b: dict[str, str]) -> None:
    made = call(compute, member_a, "POST", body={"volume": {
        "size": 1, "display_name": "data", "metadata": {"k": "v"}}})["volume"]
    assert (made["displayName"], made["size"], made["status"], made["metadata"]) == (
        "data", 1, "creating", {"k": "v"})
    assert made["attachments"] == [{}] and made["availabilityZone"] == "nova"
    volume_id = made["id"]
    assert [v["id"] for v in call(compute, member_a, "GET")["volumes"]] == [volume_id]
    assert [v["id"] for v in call(compute, member_a, "GET", "/detail")["volumes"]] == [volume_id]
    assert call(compute, member_a, "GET", f"/{volume_id}")["volume"]["displayName"] == "data"
    assert call(compute, member_b, "GET")["volumes"] == []
    call(compute, member_b, "GET", f"/{volume_id}", expect=404)
    call(compute, member_a, "GET", "/not-a-volume", expect=404)
    call(compute, member_a, "GET", f"/{volume_id}", version="2.36", expect=404)
    call(compute, member_a, "POST", body={"volume": {"size": 0}}, expect=400)
    call(compute, member_a, "POST", body={"volume": {"size": 1, "bogus": 1}}, expect=400)
    call(compute, member_a, "DELETE", f"/{volume_id}", expect=400)  # still creating
    compute.cloud.volumes.created(WORKER, volume_id, f"/pool/{volume_id}")  # the worker's part
    compute.cloud.sync_read_models()
    assert call(compute, member_a, "GET", f"/{volume_id}")["volume"]["status"] == "available"
    call(compute, member_b, "DELETE", f"/{volume_id}", expect=404)
    call(compute, member_a, "DELETE", f"/{volume_id}", expect=202)
    compute.cloud.sync_read_models()
    assert call(compute, member_a, "GET", f"/{volume_id}")["volume"]["status"] == "deleting"


def test_paging_and_nameless_paths(compute: Compute, member_a: dict[str, str]) -> None:
    made = [call(compute, member_a, "POST", body={"volume": {"size": 1, "display_name": n}})[
        "volume"]["id"] for n in ("v1", "v2", "v3")]
    newest_first = list(reversed(made))
    for path in ("", "/detail"):
        assert [v["id"] for v in call(compute, member_a, "GET", f"{path}?limit=2")[
            "volumes"]] == newest_first[:2]
        assert [v["id"] for v in call(compute, member_a, "GET", f"{path}?limit=1&offset=1")[
            "volumes"]] == newest_first[1:2]
    call(compute, member_a, "GET", "?limit=-1", expect=400)
    call(compute, member_a, "GET", "/", expect=404)
    call(compute, member_a, "DELETE", "/", expect=404)


def test_a_volume_made_from_a_snapshot(compute: Compute, member_a: dict[str, str],
                                       member_b: dict[str, str]) -> None:
    """Nova's proxy passes snapshot_id on to Cinder: a copy of the snapshot, which shows it."""
    source = call(compute, member_a, "POST", body={"volume": {"size": 1}})["volume"]["id"]
    compute.cloud.volumes.created(WORKER, source, f"/pool/{source}")
    volume = compute.cloud.volumes.load(source)
    assert volume is not None
    owner = RequestContext(user_id="u", project_id=volume.project_id, roles=("member",))
    snapshot = compute.cloud.volume_snapshots.create(owner, SnapshotRequest(volume_id=source))
    compute.cloud.volume_snapshots.created(WORKER, snapshot.id, f"/pool/s-{snapshot.id}")
    made = call(compute, member_a, "POST", body={"volume": {
        "size": 1, "snapshot_id": str(snapshot.id)}})["volume"]
    assert made["snapshotId"] == str(snapshot.id) and made["status"] == "creating"
    assert call(compute, member_a, "GET", f"/{made['id']}")["volume"]["snapshotId"] == \
        str(snapshot.id)
    call(compute, member_b, "POST", body={"volume": {"size": 1, "snapshot_id": str(
        snapshot.id)}}, expect=404)  # another project's snapshot is not found
    call(compute, member_a, "POST", body={"volume": {"size": 1, "snapshot_id": "nope"}},
         expect=404)
