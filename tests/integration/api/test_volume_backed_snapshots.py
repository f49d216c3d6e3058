"""createImage of a volume-backed server (Nova's snapshot_volume_backed): a forced Cinder
snapshot of each of its volumes and an active image of no data mapping them, saved with the
server's createImage action in one save; refused whole (nothing taken) when one snapshot
cannot be taken. The storage worker is stood in for through its outcome services."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from domain.catalog.image_fields import EMPTY_MD5
from projections.quotas import QuotaViews
from tests.integration.api.test_boot_from_volume import booted, root_of
from tests.support.compute_api import SERVERS, Compute, auth, image_bdm, spawned
from tests.support.volumes_api import Volumes

IMAGES = "/image/v2/images"


def volume_backed(compute: Compute, who: dict[str, str], size: int = 3) -> tuple[str, str]:
    server_id = booted(compute, who, image_bdm(compute.image, size=size, delete=True))
    volume_id = root_of(compute, server_id)
    spawned(compute, server_id, f"/pool/{volume_id}")
    return server_id, volume_id


def create_image(compute: Compute, who: dict[str, str], server_id: str,
                 **body: Any) -> Any:
    return compute.action(who, server_id, {"createImage": {"name": "bfv-snap", **body}},
                          "2.45")


def snapshots(volumes: Volumes, who: dict[str, str]) -> list[dict[str, Any]]:
    return list(volumes.listed(who, "snapshots/detail")["snapshots"])


def test_the_image_maps_a_snapshot_of_the_root_volume_and_is_active_at_once(
        compute: Compute, volumes: Volumes, member_a: dict[str, str]) -> None:
    server_id, volume_id = volume_backed(compute, member_a)
    response = create_image(compute, member_a, server_id, metadata={"purpose": "test"})
    assert response.status_code == 202, response.text
    image_id = response.json()["image_id"]
    compute.cloud.sync_read_models()

    [snapshot] = snapshots(volumes, member_a)
    assert (snapshot["volume_id"], snapshot["size"], snapshot["status"]) == (
        volume_id, 3, "creating")
    assert snapshot["name"] == "snapshot for bfv-snap"
    image = compute.client.get(f"{IMAGES}/{image_id}", headers=auth(member_a)).json()
    assert (image["status"], image["size"], image["checksum"]) == ("active", 0, EMPTY_MD5)
    assert (image["disk_format"], image["container_format"]) == ("raw", "bare")
    assert (image["bdm_v2"], image["root_device_name"]) == ("True", "/dev/vda")
    assert image["instance_uuid"] == server_id and image["purpose"] == "test"
    [mapping] = json.loads(image["block_device_mapping"])
    assert {k: mapping[k] for k in ("snapshot_id", "source_type", "destination_type",
                                    "boot_index", "volume_size", "device_name",
                                    "delete_on_termination")} == {
        "snapshot_id": snapshot["id"], "source_type": "snapshot", "destination_type": "volume",
        "boot_index": 0, "volume_size": 3, "device_name": "/dev/vda",
        "delete_on_termination": True}
    data = compute.client.get(f"{IMAGES}/{image_id}/file", headers=auth(member_a))
    assert (data.status_code, data.content) == (200, b"")

    # The server is untouched; its createImage action has Nova's one API step.
    shown = compute.show(member_a, server_id)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    actions = compute.client.get(f"{SERVERS}/{server_id}/os-instance-actions",
                                 headers=auth(member_a)).json()["instanceActions"]
    assert actions[0]["action"] == "createImage"
    detail = compute.client.get(
        f"{SERVERS}/{server_id}/os-instance-actions/{actions[0]['request_id']}",
        headers=auth(member_a, "2.51")).json()["instanceAction"]
    assert [(e["event"], e["result"]) for e in detail["events"]] == [
        ("api_snapshot_instance", "Success")]

    # The snapshot counts on the quota and holds its volume, as any snapshot does.
    usage = QuotaViews(compute.cloud.store).usage(member_a["project_id"])
    assert (usage["snapshots"], usage["gigabytes"]) == (1, 6)
    assert volumes.aggregate(volume_id).snapshots == {UUID(snapshot["id"]).hex}

    # Booting from it would need volumes made from its snapshots: refused, not booted empty.
    refused = compute.boot(member_a, version="2.37", imageRef=image_id, networks="none")
    assert refused.status_code == 400
    assert "maps volume snapshots" in refused.json()["badRequest"]["message"]


def test_a_snapshot_that_cannot_be_taken_refuses_the_whole_image(
        compute: Compute, volumes: Volumes, admin: dict[str, str],
        member_a: dict[str, str]) -> None:
    server_id, volume_id = volume_backed(compute, member_a)
    project = member_a["project_id"]
    limited = compute.client.put(volumes.url(admin, f"os-quota-sets/{project}"),
                                 headers=admin,
                                 json={"quota_set": {"snapshots": 0}})
    assert limited.status_code == 200, limited.text
    before = compute.client.get(IMAGES, headers=auth(member_a)).json()["images"]

    response = create_image(compute, member_a, server_id)
    assert response.status_code in (403, 413), response.text
    compute.cloud.sync_read_models()
    assert snapshots(volumes, member_a) == []
    assert compute.client.get(IMAGES, headers=auth(member_a)).json()["images"] == before
    assert volumes.aggregate(volume_id).snapshots == set()


def test_a_volume_backed_server_busy_with_a_task_is_409(
        compute: Compute, volumes: Volumes, member_a: dict[str, str]) -> None:
    server_id = booted(compute, member_a, image_bdm(compute.image, size=1))
    response = create_image(compute, member_a, server_id)  # still building
    assert response.status_code == 409, response.text
    assert snapshots(volumes, member_a) == []
