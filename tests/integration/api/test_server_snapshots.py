"""`createImage`: a queued image and the server's image_snapshot task, saved together; the
worker's outcome (reported here through OutcomeService, as the worker does) makes the image
active with the stored file, or deletes it when the snapshot failed."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.catalog.image import Image
from tests.support.compute_api import WORKER, Compute, auth

IMAGES = "/image/v2/images"


def snapshot(compute: Compute, who: dict[str, str], server_id: str, body: object,
             version: str = "2.45") -> tuple[int, dict[str, object], dict[str, str]]:
    response = compute.action(who, server_id, {"createImage": body}, version)
    payload = response.json() if response.content else {}
    return response.status_code, payload, dict(response.headers)


def images_of(compute: Compute, who: dict[str, str]) -> list[dict[str, object]]:
    response = compute.client.get(IMAGES, headers=auth(who))
    assert response.status_code == 200, response.text
    return list(response.json()["images"])


def test_a_snapshot_is_queued_then_active_with_the_stored_file(
        compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    code, body, _ = snapshot(compute, member_a, server_id,
                             {"name": "backup-1", "metadata": {"purpose": "test"}})
    assert code == 202, body
    image_id = str(body["image_id"])
    shown = compute.show(member_a, server_id)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("ACTIVE", "image_snapshot")
    image = compute.client.get(f"{IMAGES}/{image_id}", headers=auth(member_a)).json()
    assert (image["status"], image["name"], image["visibility"]) == ("queued", "backup-1",
                                                                     "private")
    assert image["instance_uuid"] == server_id and image["image_type"] == "snapshot"
    assert image["base_image_ref"] == compute.image
    assert image["purpose"] == "test" and image["owner"] == shown["tenant_id"]

    blob = compute.cloud.blobs.put(iter([b"qcow2 bytes of the root disk"]), 2**20)
    compute.cloud.outcomes.action_succeeded(WORKER, UUID(server_id), "snapshot", blob)
    compute.cloud.outcomes.action_succeeded(WORKER, UUID(server_id), "snapshot", blob)  # replay
    compute.cloud.sync_read_models()

    image = compute.client.get(f"{IMAGES}/{image_id}", headers=auth(member_a)).json()
    assert (image["status"], image["size"]) == ("active", blob.size)
    data = compute.client.get(f"{IMAGES}/{image_id}/file", headers=auth(member_a))
    assert data.content == b"qcow2 bytes of the root disk"
    shown = compute.show(member_a, server_id)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    actions = compute.client.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions",
                                 headers=auth(member_a)).json()["instanceActions"]
    assert actions[0]["action"] == "createImage"


def test_the_request_s_metadata_has_the_last_word(compute: Compute,
                                                  member_a: dict[str, str]) -> None:
    """As in Nova's compute_utils.create_image: the request's properties override the ones the
    snapshot sets (Tempest's createImage test sets image_type)."""
    server_id = compute.active(member_a)
    _, body, _ = snapshot(compute, member_a, server_id,
                          {"name": "typed", "metadata": {"image_type": "test"}})
    typed = compute.client.get(f"{IMAGES}/{body['image_id']}", headers=auth(member_a)).json()
    assert typed["image_type"] == "test" and typed["instance_uuid"] == server_id


def test_below_2_45_the_answer_is_a_location(compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    code, body, headers = snapshot(compute, member_a, server_id, {"name": "old"}, "2.44")
    assert (code, body) == (202, {})
    image_id = headers["location"].rsplit("/", 1)[-1]
    assert headers["location"].endswith(f"{IMAGES}/{image_id}")
    assert isinstance(compute.cloud.app.find(UUID(image_id)), Image)


def test_a_failed_snapshot_deletes_its_image(compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    compute.action(member_a, server_id, {"os-stop": None})
    compute.succeeded(server_id, "stop")
    _, body, _ = snapshot(compute, member_a, server_id, {"name": "doomed"})
    assert compute.show(member_a, server_id)["status"] == "SHUTOFF"
    compute.failed(server_id, "snapshot", "qemu-img convert failed")
    image = compute.cloud.app.find(UUID(str(body["image_id"])))
    assert isinstance(image, Image) and image.deleted
    assert compute.show(member_a, server_id)["status"] == "SHUTOFF"
    assert all(i["name"] != "doomed" for i in images_of(compute, member_a))


@pytest.mark.parametrize("body", [
    None, {}, {"name": ""}, {"name": "x" * 256}, {"name": 7}, {"name": "ok", "extra": 1},
    {"name": "ok", "metadata": {"k": 1}}, {"name": "ok", "metadata": {"": "v"}},
    {"name": "ok", "metadata": ["k"]}, {"name": "ok", "metadata": {"k": "v" * 256}},
])
def test_bad_input_is_400_and_makes_nothing(compute: Compute, member_a: dict[str, str],
                                            body: object) -> None:
    server_id = compute.active(member_a)
    before = images_of(compute, member_a)
    code, answer, _ = snapshot(compute, member_a, server_id, body)
    assert code == 400, answer
    assert "badRequest" in answer
    assert images_of(compute, member_a) == before
    assert compute.show(member_a, server_id)["OS-EXT-STS:task_state"] is None


def test_busy_servers_are_409_and_others_servers_404(
        compute: Compute, member_a: dict[str, str], member_b: dict[str, str]) -> None:
    building = compute.booted(member_a)
    code, answer, _ = snapshot(compute, member_a, building, {"name": "too-early"})
    assert code == 409 and "Cannot 'createImage' instance" in str(answer), answer
    server_id = compute.active(member_a)
    code, answer, _ = snapshot(compute, member_b, server_id, {"name": "not-mine"})
    assert code == 404, answer
    assert all(i["name"] not in ("too-early", "not-mine") for i in images_of(compute, member_a))


def test_create_backup_queues_a_backup_image_and_checks_its_body(
        compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    for bad in ({"name": "b", "backup_type": "daily"}, {"name": "b", "backup_type": "daily",
                                                        "rotation": -1}):
        refused = compute.action(member_a, server_id, {"createBackup": bad}, "2.45")
        assert refused.status_code == 400, refused.text
    made = compute.action(member_a, server_id, {"createBackup": {
        "name": "b1", "backup_type": "daily", "rotation": 2}}, "2.45")
    assert made.status_code == 202, made.text
    image = compute.cloud.app.find(UUID(made.json()["image_id"]))
    assert isinstance(image, Image) and image.status == "queued"
    assert (image.properties["image_type"], image.properties["backup_type"]) == ("backup",
                                                                                 "daily")
    shown = compute.show(member_a, server_id)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("ACTIVE", "image_backup")
    busy = compute.action(member_a, server_id, {"createBackup": {
        "name": "b2", "backup_type": "daily", "rotation": 2}})
    assert busy.status_code == 409 and "createBackup" in busy.text
