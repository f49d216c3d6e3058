"""Compute 2.96, 2.98, 2.100 and 2.104 in a server's bodies (GET of one, the detail list, PUT,
rebuild): pinned_availability_zone, the image's properties, scheduler_hints, and pinning or
unpinning a server's zone by PUT. Each only from its microversion, the bodies before it as
they were."""

from __future__ import annotations

from typing import Any

from tests.support.compute_api import OPERATOR, SERVERS, Compute, auth, register_host
from tests.support.disk_images import fake_qcow2


def detail(compute: Compute, who: dict[str, str], server_id: str, version: str) -> Any:
    response = compute.client.get(f"{SERVERS}/detail", headers=auth(who, version))
    assert response.status_code == 200, response.text
    [found] = [s for s in response.json()["servers"] if s["id"] == server_id]
    return found


def put(compute: Compute, who: dict[str, str], server_id: str, body: dict[str, Any],
        version: str) -> Any:
    return compute.client.put(f"{SERVERS}/{server_id}", json={"server": body},
                              headers=auth(who, version))


def image_with(compute: Compute, **properties: str) -> str:
    cloud = compute.cloud
    image = cloud.images.register(OPERATOR, None, "props", "operations", visibility="public",
                                  disk_format="qcow2", container_format="bare",
                                  properties=properties)
    cloud.image_data.upload(OPERATOR, image.id, iter([fake_qcow2(b"disk")]), cloud.blobs, 2**20)
    cloud.sync_read_models()
    return str(image.id)


def test_pinned_availability_zone_from_2_96(compute: Compute, member_a: dict[str, str]) -> None:
    pinned = compute.active(member_a, availability_zone="nova")
    free = compute.active(member_a)
    for server_id, zone in ((pinned, "nova"), (free, None)):
        assert "pinned_availability_zone" not in compute.show(member_a, server_id, "2.95")
        assert compute.show(member_a, server_id, "2.96")["pinned_availability_zone"] == zone
        assert detail(compute, member_a, server_id, "2.96")["pinned_availability_zone"] == zone
        updated = put(compute, member_a, server_id, {"name": "renamed"}, "2.96")
        assert updated.status_code == 200, updated.text
        assert updated.json()["server"]["pinned_availability_zone"] == zone
    rebuilt = compute.action(member_a, free, {"rebuild": {"imageRef": compute.image}}, "2.96")
    assert rebuilt.status_code == 202, rebuilt.text
    assert rebuilt.json()["server"]["pinned_availability_zone"] is None
    assert "adminPass" in rebuilt.json()["server"]


def test_image_properties_from_2_98(compute: Compute, member_a: dict[str, str]) -> None:
    image = image_with(compute, hw_disk_bus="virtio", os_distro="cirros", architecture="x86_64",
                       custom="not Nova's", hw_video_model="x" * 300)
    server_id = compute.active(member_a, imageRef=image)
    assert "properties" not in compute.show(member_a, server_id, "2.97")["image"]
    shown = compute.show(member_a, server_id, "2.98")["image"]
    assert shown["id"] == image
    assert shown["properties"] == {"architecture": "x86_64", "hw_disk_bus": "virtio",
                                   "hw_video_model": "x" * 255, "os_distro": "cirros"}
    assert detail(compute, member_a, server_id, "2.98")["image"]["properties"] == \
        shown["properties"]
    assert put(compute, member_a, server_id, {}, "2.98").json()["server"]["image"] == shown
    plain = compute.active(member_a)
    assert compute.show(member_a, plain, "2.98")["image"]["properties"] == {}


def test_scheduler_hints_from_2_100(compute: Compute, member_a: dict[str, str]) -> None:
    first = compute.active(member_a)
    hinted = compute.active(member_a, hints={"same_host": first})
    assert "scheduler_hints" not in compute.show(member_a, hinted, "2.99")
    assert compute.show(member_a, hinted, "2.100")["scheduler_hints"] == {"same_host": [first]}
    assert compute.show(member_a, first, "2.100")["scheduler_hints"] == {}
    assert detail(compute, member_a, hinted, "2.100")["scheduler_hints"] == {
        "same_host": [first]}
    rebuilt = compute.action(member_a, hinted, {"rebuild": {"imageRef": compute.image}},
                             "2.100")
    assert rebuilt.json()["server"]["scheduler_hints"] == {"same_host": [first]}
    groups = compute.client.post("/compute/v2.1/os-server-groups", headers=auth(member_a),
                                 json={"server_group": {"name": "g", "policies": ["affinity"]}})
    group = groups.json()["server_group"]["id"]
    grouped = compute.active(member_a, hints={"group": group})
    assert compute.show(member_a, grouped, "2.100")["scheduler_hints"] == {"group": group}


def test_pinning_and_unpinning_a_zone_by_put_from_2_104(compute: Compute,
                                                        member_a: dict[str, str]) -> None:
    register_host(compute.cloud, "host-3", zone="az-2")
    server_id = compute.active(member_a, availability_zone="nova")
    head = compute.cloud.app.head()
    old = put(compute, member_a, server_id, {"pinned_availability_zone": None}, "2.103")
    assert old.status_code == 400
    assert "('pinned_availability_zone' was unexpected)" in old.json()["badRequest"]["message"]
    # Pinned: another zone is a 409 until it is unpinned; its own zone is a no-op.
    moved = put(compute, member_a, server_id, {"pinned_availability_zone": "az-2"}, "2.104")
    assert moved.status_code == 409
    assert moved.json()["conflictingRequest"]["message"] == (
        "Cannot change pinned availability zone directly. Unpin first by setting "
        "pinned_availability_zone to null.")
    for bad in ("", " x", 5):
        refused = put(compute, member_a, server_id, {"pinned_availability_zone": bad}, "2.104")
        assert refused.status_code == 400, bad
    same = put(compute, member_a, server_id, {"pinned_availability_zone": "nova"}, "2.104")
    assert same.json()["server"]["pinned_availability_zone"] == "nova"
    assert compute.cloud.app.head() == head
    unpinned = put(compute, member_a, server_id, {"pinned_availability_zone": None}, "2.104")
    assert unpinned.status_code == 200, unpinned.text
    assert unpinned.json()["server"]["pinned_availability_zone"] is None
    assert compute.instance(server_id).availability_zone is None
    assert compute.show(member_a, server_id, "2.104")["OS-EXT-AZ:availability_zone"] == "nova"
    again = put(compute, member_a, server_id, {"pinned_availability_zone": None}, "2.104")
    assert again.status_code == 200 and compute.cloud.app.head() == head + 1
    # Unpinned, it may be pinned only to the zone of the host it is on.
    elsewhere = put(compute, member_a, server_id, {"pinned_availability_zone": "az-2"}, "2.104")
    assert elsewhere.status_code == 409
    assert elsewhere.json()["conflictingRequest"]["message"] == (
        "Server can only be pinned to its current availability zone 'nova', but 'az-2' was "
        "requested.")
    repinned = put(compute, member_a, server_id, {"pinned_availability_zone": "nova"}, "2.104")
    assert repinned.json()["server"]["pinned_availability_zone"] == "nova"
    assert compute.instance(server_id).availability_zone == "nova"
