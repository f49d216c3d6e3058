"""`config_drive` on create: recorded with the server and shown as Nova's string column shows it
("True" or ""), and a filter of the server list; an image whose `img_config_drive` is neither
optional nor mandatory is Nova's 400. (The drive itself: tests/integration/compute/
test_config_drive.py.)"""

from __future__ import annotations

from tests.support.compute_api import OPERATOR, SERVERS, Compute, auth
from tests.support.disk_images import fake_qcow2


def test_config_drive_is_recorded_shown_and_filtered(compute: Compute,
                                                     member_a: dict[str, str]) -> None:
    with_drive = compute.active(member_a, config_drive=True)
    without = compute.active(member_a, name="plain")
    assert compute.show(member_a, with_drive)["config_drive"] == "True"
    assert compute.show(member_a, without)["config_drive"] == ""
    listed = compute.client.get(f"{SERVERS}/detail?config_drive=True",
                                headers=auth(member_a, "2.83")).json()["servers"]
    assert [s["id"] for s in listed] == [with_drive]
    assert compute.boot(member_a, config_drive="maybe").status_code == 400


def test_an_image_with_a_bad_config_drive_policy_cannot_boot(compute: Compute,
                                                             member_a: dict[str, str]) -> None:
    cloud = compute.cloud
    image = cloud.images.register(OPERATOR, None, "odd", "operations", visibility="public",
                                  disk_format="qcow2", container_format="bare",
                                  properties={"img_config_drive": "sometimes"})
    cloud.image_data.upload(OPERATOR, image.id, iter([fake_qcow2(b"odd")]), cloud.blobs, 2**20)
    refused = compute.boot(member_a, imageRef=str(image.id))
    assert refused.status_code == 400
    assert "Image's config drive option 'sometimes' is invalid" in refused.text
