"""Boot from volume through `POST /servers` with block_device_mapping_v2, on both stores: the
root volume is reserved (or made) in the boot's own save, counted on the volume quotas, reported
made and attached with the spawn, and detached (or deleted) with the server. The host's worker
is stood in for through the outcome services, as the other API tests do."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx

from projections.quotas import QuotaViews
from tests.support.compute_api import (
    OPERATOR,
    SERVERS,
    Compute,
    auth,
    image_bdm,
    make_image,
    spawned,
    volume_bdm,
)
from tests.support.disk_images import fake_qcow2
from tests.support.volumes_api import Volumes

VERSION = "2.61"


def boot(compute: Compute, who: dict[str, str], *mappings: dict[str, Any],
         **server: Any) -> httpx.Response:
    fields = {"imageRef": "", "networks": "none", **server,
              "block_device_mapping_v2": list(mappings)}
    return compute.boot(who, version=VERSION, **fields)


def booted(compute: Compute, who: dict[str, str], *mappings: dict[str, Any]) -> str:
    response = boot(compute, who, *mappings)
    assert response.status_code == 202, response.text
    return str(response.json()["server"]["id"])


def root_of(compute: Compute, server_id: str) -> str:
    root = compute.instance(server_id).root_volume
    assert root is not None
    return str(UUID(root))


def usage(compute: Compute, project_id: str) -> dict[str, int]:
    return QuotaViews(compute.cloud.store).usage(project_id)


def delete(compute: Compute, who: dict[str, str], server_id: str) -> None:
    response = compute.client.delete(f"{SERVERS}/{server_id}", headers=auth(who))
    assert response.status_code == 204, response.text
    compute.deleted(server_id)  # the worker destroyed the guest


def test_boot_from_an_image_into_a_new_volume(compute: Compute, volumes: Volumes,
                                              member_a: dict[str, str]) -> None:
    project = member_a["project_id"]
    server_id = booted(compute, member_a, image_bdm(compute.image, size=3))
    volume_id = root_of(compute, server_id)
    volume = volumes.aggregate(volume_id)
    assert (volume.status.value, volume.size, volume.bootable) == ("creating", 3, True)
    assert (volume.boot_of, volume.delete_on_termination) == (UUID(server_id).hex, False)
    assert volume.source_image_id == UUID(compute.image).hex
    assert volume.host == compute.instance(server_id).host
    assert (usage(compute, project)["volumes"], usage(compute, project)["gigabytes"]) == (1, 3)
    assert compute.instance(server_id).volumes == {UUID(volume_id).hex: "/dev/vda"}
    shown = compute.show(member_a, server_id, VERSION)
    assert shown["os-extended-volumes:volumes_attached"] == [
        {"id": volume_id, "delete_on_termination": False}]
    assert shown["image"] == ""  # as Nova shows a volume-backed server's image

    spawned(compute, server_id, f"/pool/{volume_id}")
    made = volumes.show(member_a, volume_id)
    assert (made["status"], made["bootable"]) == ("in-use", "true")
    [attachment] = made["attachments"]
    assert (attachment["server_id"], attachment["device"]) == (server_id, "/dev/vda")
    assert volumes.aggregate(volume_id).path == f"/pool/{volume_id}"
    listed = compute.client.get(f"{SERVERS}/{server_id}/os-volume_attachments",
                                headers=auth(member_a)).json()["volumeAttachments"]
    assert [(a["volumeId"], a["device"]) for a in listed] == [(volume_id, "/dev/vda")]
    assert compute.show(member_a, server_id)["status"] == "ACTIVE"

    # The root disk stays: Nova refuses to detach it.
    refused = compute.client.delete(f"{SERVERS}/{server_id}/os-volume_attachments/{volume_id}",
                                    headers=auth(member_a))
    assert refused.status_code == 400
    assert refused.json()["badRequest"]["message"] == "Cannot detach a root device volume"
    assert volumes.show(member_a, volume_id)["status"] == "in-use"

    # delete_on_termination false: the volume outlives the server, with its quota
    delete(compute, member_a, server_id)
    kept = volumes.show(member_a, volume_id)
    assert (kept["status"], kept["attachments"]) == ("available", [])
    assert (usage(compute, project)["volumes"], usage(compute, project)["instances"]) == (1, 0)


def test_delete_on_termination_deletes_the_root_volume_with_its_server(
        compute: Compute, volumes: Volumes, member_a: dict[str, str]) -> None:
    server_id = booted(compute, member_a, image_bdm(compute.image, size=1, delete=True))
    volume_id = root_of(compute, server_id)
    spawned(compute, server_id, f"/pool/{volume_id}")
    delete(compute, member_a, server_id)
    assert volumes.show(member_a, volume_id)["status"] == "deleting"
    volumes.report("deleted", volume_id)  # the storage worker deleted it
    assert volumes.get(member_a, volume_id).status_code == 404
    assert usage(compute, member_a["project_id"])["gigabytes"] == 0


def test_a_server_deleted_before_its_spawn_takes_its_unmade_root_volume_along(
        compute: Compute, volumes: Volumes, member_a: dict[str, str]) -> None:
    server_id = booted(compute, member_a, image_bdm(compute.image))
    volume_id = root_of(compute, server_id)
    delete(compute, member_a, server_id)
    # Never made, so nothing to keep: the storage worker deletes whatever may be in the pool.
    volume = volumes.aggregate(volume_id)
    assert (volume.status.value, volume.attachment, volume.boot_of) == ("deleting", None, None)


def test_boot_from_an_existing_volume(compute: Compute, volumes: Volumes,
                                      member_a: dict[str, str]) -> None:
    volume_id = volumes.ready(member_a, imageRef=compute.image, size=2)
    server_id = booted(compute, member_a, volume_bdm(volume_id))
    assert root_of(compute, server_id) == volume_id
    assert compute.instance(server_id).image["id"] == UUID(compute.image).hex
    reserved = volumes.show(member_a, volume_id)
    assert reserved["status"] == "attaching"
    assert usage(compute, member_a["project_id"])["volumes"] == 1  # counted once, when made

    # Reserved: a second server cannot have it (Nova's 400), and nothing is recorded for it.
    head = compute.cloud.app.head()
    again = boot(compute, member_a, volume_bdm(volume_id))
    assert again.status_code == 400, again.text
    assert again.json()["badRequest"]["message"] == (
        f"Invalid volume: volume '{volume_id}' status must be 'available'. Currently in "
        "'attaching'")
    assert compute.cloud.app.head() == head

    spawned(compute, server_id, None)  # an existing volume: nothing made
    assert volumes.show(member_a, volume_id)["status"] == "in-use"
    delete(compute, member_a, server_id)
    assert volumes.show(member_a, volume_id)["status"] == "available"
    # ... and boots the next server
    other = booted(compute, member_a, volume_bdm(volume_id, delete=True))
    assert root_of(compute, other) == volume_id
    assert volumes.aggregate(volume_id).delete_on_termination is True


def test_bad_mappings_are_400_and_change_nothing(compute: Compute, volumes: Volumes,
                                                 member_a: dict[str, str],
                                                 member_b: dict[str, str]) -> None:
    empty = volumes.ready(member_a)  # made from no image: not bootable
    theirs = volumes.ready(member_b, imageRef=compute.image)
    mine = volumes.ready(member_a, imageRef=compute.image)
    unknown = "6f1c3a57-2b0e-4d6e-9a53-5b1c0f3e2a10"
    head = compute.cloud.app.head()
    cases: list[tuple[list[dict[str, Any]], dict[str, Any], str]] = [
        ([image_bdm(compute.image, size=0)], {},
         "Images with destination_type 'volume' need to have a non-zero size specified"),
        ([{**image_bdm(compute.image), "uuid": None}], {},
         "Block Device Mapping is Invalid: Missing device UUID."),
        ([image_bdm(compute.image, boot_index="first")], {},
         "Block Device Mapping is Invalid: Boot index is invalid."),
        ([image_bdm(compute.image, boot_index=1)], {},
         "Block Device Mapping is Invalid: Boot sequence for the instance and image/block "
         "device mapping combination is not valid."),
        ([image_bdm(compute.image), volume_bdm(mine)], {},
         "Block Device Mapping is Invalid: Boot sequence for the instance and image/block "
         "device mapping combination is not valid."),
        ([image_bdm(compute.image), {**volume_bdm(mine), "boot_index": 1}], {},
         "not supported yet"),
        ([{"uuid": compute.image, "source_type": "image", "destination_type": "local",
           "boot_index": -1}], {"imageRef": compute.image},
         "Block Device Mapping is Invalid: Mapping image to local is not supported."),
        ([image_bdm(unknown)], {}, f"Block Device Mapping is Invalid: failed to get image "
                                   f"{unknown}."),
        ([volume_bdm(unknown)], {}, f"Block Device Mapping is Invalid: failed to get volume "
                                    f"{unknown}."),
        ([volume_bdm(theirs)], {}, f"Block Device Mapping is Invalid: failed to get volume "
                                   f"{theirs}."),
        ([volume_bdm(empty)], {}, f"Block Device {empty} is not bootable."),
        ([volume_bdm(mine)], {"max_count": 2},
         "Cannot attach one or more volumes to multiple instances"),
        ([image_bdm(compute.image)], {"imageRef": "6f1c3a57-2b0e-4d6e-9a53-5b1c0f3e2a11"},
         "disagree"),
        ([], {}, "Missing imageRef attribute"),
    ]
    for mappings, server, message in cases:
        response = boot(compute, member_a, *mappings, **server)
        assert response.status_code == 400, (message, response.text)
        assert message in response.json()["badRequest"]["message"], response.text
    assert compute.cloud.app.head() == head
    assert volumes.show(member_a, mine)["status"] == "available"
    assert usage(compute, member_a["project_id"])["instances"] == 0


def test_the_root_volume_counts_on_the_volume_quotas(compute: Compute,
                                                     member_a: dict[str, str]) -> None:
    head = compute.cloud.app.head()
    response = boot(compute, member_a, image_bdm(compute.image, size=1001))  # 1000 GiB allowed
    assert response.status_code == 403, response.text
    assert "gigabytes" in response.json()["forbidden"]["message"]
    assert compute.cloud.app.head() == head
    # Each server of a multiple boot gets a volume of its own.
    response = boot(compute, member_a, image_bdm(compute.image, size=2), min_count=2,
                    max_count=2)
    assert response.status_code == 202, response.text
    used = usage(compute, member_a["project_id"])
    assert (used["instances"], used["volumes"], used["gigabytes"]) == (2, 2, 4)


def test_volume_type_in_a_mapping_from_2_67(compute: Compute, volumes: Volumes,
                                            member_a: dict[str, str]) -> None:
    fields = {"imageRef": "", "networks": "none"}
    for volume_type in ("__DEFAULT__", None):
        made = compute.boot(member_a, version="2.67", **fields, block_device_mapping_v2=[
            image_bdm(compute.image, volume_type=volume_type)])
        assert made.status_code == 202, made.text
    unknown = compute.boot(member_a, version="2.67", **fields, block_device_mapping_v2=[
        image_bdm(compute.image, volume_type="gold")])
    assert unknown.status_code == 400
    assert unknown.json()["badRequest"]["message"] == "Volume type gold could not be found."
    too_old = compute.boot(member_a, version="2.66", **fields, block_device_mapping_v2=[
        image_bdm(compute.image, volume_type="__DEFAULT__")])
    assert too_old.status_code == 400 and "volume_type" in too_old.text
    listed = compute.client.get(SERVERS, headers=auth(member_a)).json()["servers"]
    assert len(listed) == 2, "the refused boots made nothing"


def test_a_rebuild_keeps_the_root_volumes_image_before_2_93(compute: Compute, volumes: Volumes,
                                                            member_a: dict[str, str]) -> None:
    """Below 2.93 a volume-backed server rebuilds only with its volume's image (the guest is
    spawned again on the volume as it is); another is Nova's 400 ImageUnacceptable."""
    server_id = booted(compute, member_a, image_bdm(compute.image, size=1))
    spawned(compute, server_id, "/pool/root")
    other = make_image(compute.cloud, "other")
    head = compute.cloud.app.head()
    refused = compute.action(member_a, server_id, {"rebuild": {"imageRef": other}}, VERSION)
    assert refused.status_code == 400, refused.text
    assert refused.json()["badRequest"]["message"] == (
        f"Image {other} is unacceptable: Unable to rebuild with a different image for a "
        "volume-backed server.")
    assert compute.cloud.app.head() == head
    same = compute.action(member_a, server_id, {"rebuild": {"imageRef": compute.image}},
                          VERSION)
    assert same.status_code == 202, same.text
    assert "reimage" not in (compute.instance(server_id).pending or {})


def test_rescue_of_a_volume_backed_server_from_2_87(compute: Compute, volumes: Volumes,
                                                    member_a: dict[str, str]) -> None:
    """Nova's 2.87: with a rescue image naming hw_rescue_bus and hw_rescue_device; before it,
    or with another image, Nova's 400 and nothing changes."""
    server_id = booted(compute, member_a, image_bdm(compute.image, size=1))
    spawned(compute, server_id, f"/pool/{root_of(compute, server_id)}")
    image = compute.cloud.images.register(
        OPERATOR, None, "rescue", "operations", visibility="public", disk_format="qcow2",
        container_format="bare", properties={"hw_rescue_bus": "virtio",
                                             "hw_rescue_device": "disk"})
    compute.cloud.image_data.upload(OPERATOR, image.id, iter([fake_qcow2(b"rescue")]),
                                    compute.cloud.blobs, 2**20)
    rescue_image = str(image.id)
    for version, image in (("2.86", rescue_image), ("2.87", compute.image)):
        refused = compute.action(member_a, server_id, {"rescue": {"rescue_image_ref": image}},
                                 version)
        assert refused.status_code == 400 and "volume-backed" in refused.text, version
    assert compute.show(member_a, server_id)["OS-EXT-STS:task_state"] is None
    rescued = compute.action(member_a, server_id, {"rescue": {"rescue_image_ref": rescue_image}},
                             "2.87")
    assert rescued.status_code == 200, rescued.text
    assert rescued.headers["OpenStack-API-Version"] == "compute 2.87"
    compute.succeeded(server_id, "rescue")
    assert compute.show(member_a, server_id)["status"] == "RESCUE"


def test_a_rebuild_reimages_the_root_volume_from_2_93(compute: Compute, volumes: Volumes,
                                                      member_a: dict[str, str]) -> None:
    """From 2.93 a volume-backed server rebuilds with any image: its root volume is named in
    the pending rebuild, for the host to write the image over it (the worker's half:
    tests/integration/compute/test_rebuild_volume_backed.py)."""
    server_id = booted(compute, member_a, image_bdm(compute.image, size=1))
    spawned(compute, server_id, "/pool/root")
    other = make_image(compute.cloud, "other")
    assert compute.action(member_a, server_id, {"rebuild": {"imageRef": other}},
                          "2.92").status_code == 400
    rebuilt = compute.action(member_a, server_id, {"rebuild": {"imageRef": other}}, "2.93")
    assert rebuilt.status_code == 202, rebuilt.text
    assert rebuilt.json()["server"]["image"] == ""  # as Nova shows a volume-backed server's
    pending = compute.instance(server_id).pending or {}
    assert (pending["reimage"], pending["image"]["id"]) == (UUID(root_of(compute, server_id)).hex,
                                                           UUID(other).hex)
    compute.succeeded(server_id, "rebuild")
    volume = volumes.show(member_a, root_of(compute, server_id))
    assert volume["volume_image_metadata"]["image_id"] == other
