"""Block Storage `/snapshots` and volumes made from snapshots or volumes, through the API on
both stores; the storage worker's outcomes are reported through the snapshot and volume
services, as tests/support/volumes_api.py does for volumes (the worker has tests of its own:
tests/integration/storage/test_volume_worker_snapshots.py)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.compute_api import auth
from tests.support.volumes_api import WORKER, Volumes

SUMMARY = {"id", "name", "description", "volume_id", "status", "size", "metadata",
           "created_at", "updated_at"}
EXTENDED = {"os-extended-snapshot-attributes:progress",
            "os-extended-snapshot-attributes:project_id"}


def snap(volumes: Volumes, who: dict[str, str], **fields: Any) -> Any:
    return volumes.client.post(volumes.url(who, "snapshots"), headers=auth(who),
                               json={"snapshot": fields})


def made(volumes: Volumes, who: dict[str, str], volume_id: str, **fields: Any) -> str:
    response = snap(volumes, who, volume_id=volume_id, **fields)
    assert response.status_code == 202, response.text
    snapshot_id = str(response.json()["snapshot"]["id"])
    volumes.cloud.volume_snapshots.created(WORKER, snapshot_id, "/pool/s")
    volumes.cloud.sync_read_models()
    return snapshot_id


def show(volumes: Volumes, who: dict[str, str], snapshot_id: str) -> Any:
    return volumes.client.get(volumes.url(who, f"snapshots/{snapshot_id}"), headers=auth(who))


def test_snapshot_lifecycle_and_bodies(volumes: Volumes, member_a: dict[str, str]) -> None:
    volume_id = volumes.ready(member_a, size=2)
    response = snap(volumes, member_a, volume_id=volume_id, name="s1",
                    metadata={"k": "v"})
    assert response.status_code == 202, response.text
    body = response.json()["snapshot"]
    assert set(body) == SUMMARY
    assert (body["status"], body["size"], body["volume_id"], body["metadata"]) == (
        "creating", 2, volume_id, {"k": "v"})
    snapshot_id = body["id"]
    volumes.cloud.volume_snapshots.created(WORKER, snapshot_id, "/pool/s")
    volumes.cloud.sync_read_models()
    shown = show(volumes, member_a, snapshot_id).json()["snapshot"]
    assert set(shown) == SUMMARY | EXTENDED
    assert (shown["status"], shown["os-extended-snapshot-attributes:progress"]) == (
        "available", "100%")
    limits = volumes.listed(member_a, "limits")["limits"]["absolute"]
    assert (limits["totalSnapshotsUsed"], limits["totalGigabytesUsed"]) == (1, 4)

    renamed = volumes.client.put(volumes.url(member_a, f"snapshots/{snapshot_id}"),
                                 headers=auth(member_a), json={"snapshot": {"name": "s2"}})
    assert renamed.status_code == 200 and renamed.json()["snapshot"]["name"] == "s2"
    meta = volumes.client.put(volumes.url(member_a, f"snapshots/{snapshot_id}/metadata/k"),
                              headers=auth(member_a), json={"meta": {"k": "w"}})
    assert meta.json() == {"meta": {"k": "w"}}
    listed = volumes.listed(member_a, "snapshots/detail", name="s2")["snapshots"]
    assert [s["metadata"] for s in listed] == [{"k": "w"}]

    refused = volumes.client.delete(volumes.url(member_a, f"volumes/{volume_id}"),
                                    headers=auth(member_a))
    assert refused.status_code == 400 and "have snapshots" in refused.text

    gone = volumes.client.delete(volumes.url(member_a, f"snapshots/{snapshot_id}"),
                                 headers=auth(member_a))
    assert gone.status_code == 202
    volumes.cloud.volume_snapshots.deleted(WORKER, snapshot_id)
    volumes.cloud.sync_read_models()
    assert show(volumes, member_a, snapshot_id).status_code == 404
    assert volumes.listed(member_a, "snapshots")["snapshots"] == []


def test_volumes_from_a_snapshot_and_clones_show_their_source(
        volumes: Volumes, member_a: dict[str, str]) -> None:
    source = volumes.ready(member_a, size=2)
    snapshot_id = made(volumes, member_a, source)
    copy = volumes.client.post(volumes.url(member_a), headers=auth(member_a),
                               json={"volume": {"snapshot_id": snapshot_id}})
    assert copy.status_code == 202, copy.text
    assert (copy.json()["volume"]["snapshot_id"], copy.json()["volume"]["size"]) == (
        snapshot_id, 2)
    clone = volumes.create(member_a, size=3, source_volid=source)
    assert clone.status_code == 202 and clone.json()["volume"]["source_volid"] == source
    small = volumes.create(member_a, size=1, source_volid=source)
    assert small.status_code == 400 and "cannot be smaller" in small.text
    missing = volumes.create(member_a, size=2, snapshot_id="0" * 32)
    assert missing.status_code == 404


def test_in_use_needs_force_over_quota_is_413_and_admins_reset_and_force_delete(
        volumes: Volumes, member_a: dict[str, str], admin: dict[str, str],
        client: TestClient) -> None:
    volume_id = volumes.ready(member_a)
    assert snap(volumes, member_a).status_code == 404  # no volume_id: Cinder's 404
    first = made(volumes, member_a, volume_id)
    project = member_a["project_id"]
    quota = client.put(f"/volume/v3/{volumes.url(admin, '').split('/')[3]}/os-quota-sets/"
                       f"{project}", headers=auth(admin), json={"quota_set": {"snapshots": 1}})
    assert quota.status_code == 200, quota.text
    over = snap(volumes, member_a, volume_id=volume_id)
    assert over.status_code == 413 and "SnapshotLimitExceeded" in over.text

    url = volumes.url(member_a, f"snapshots/{first}/action")
    assert client.post(url, headers=auth(member_a), json={
        "os-reset_status": {"status": "error"}}).status_code == 403
    admin_url = volumes.url(admin, f"snapshots/{first}/action")
    assert client.post(admin_url, headers=auth(admin), json={
        "os-reset_status": {"status": "deleting"}}).status_code == 202
    assert client.post(admin_url, headers=auth(admin), json={
        "os-force_delete": {}}).status_code == 202
    volumes.cloud.volume_snapshots.deleted(WORKER, first)
    volumes.cloud.sync_read_models()
    assert show(volumes, member_a, first).status_code == 404
