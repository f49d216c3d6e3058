"""Compute `/images` (Nova's Glance proxy, below 2.36): the images a project sees, in Nova's
shape, their metadata, and delete; 404 from 2.36."""

from __future__ import annotations

from typing import Any

from tests.support.compute_api import Compute, auth

IMAGES = "/compute/v2.1/images"


def get(compute: Compute, who: dict[str, str], path: str, version: str | None = None,
        expect: int = 200) -> Any:
    response = compute.client.get(f"{IMAGES}{path}", headers=auth(who, version))
    assert response.status_code == expect, response.text
    return response.json()


def test_proxy_shows_lists_and_deletes(compute: Compute, admin: dict[str, str],
                                       member_a: dict[str, str],
                                       member_b: dict[str, str]) -> None:
    own = compute.client.post("/image/v2/images", headers=auth(member_a), json={
        "name": "mine", "visibility": "private", "disk_format": "raw",
        "container_format": "bare", "min_ram": 64, "instance_uuid": "abc"})
    assert own.status_code == 201, own.text
    own_id = own.json()["id"]
    listed = get(compute, member_a, "")["images"]
    assert {i["name"] for i in listed} == {"cirros", "mine"}
    assert set(listed[0]) == {"id", "name", "links"}
    detail = {i["name"]: i for i in get(compute, member_a, "/detail")["images"]}
    assert (detail["cirros"]["status"], detail["cirros"]["progress"]) == ("ACTIVE", 100)
    mine = detail["mine"]
    assert (mine["status"], mine["minRam"], mine["metadata"]) == (
        "SAVING", 64, {"instance_uuid": "abc"})
    assert mine["server"]["id"] == "abc"
    assert [i["name"] for i in get(compute, member_a, "?name=mine")["images"]] == ["mine"]
    assert get(compute, member_a, f"/{own_id}")["image"]["id"] == own_id
    assert get(compute, member_a, f"/{own_id}/metadata") == {"metadata": {"instance_uuid": "abc"}}
    assert get(compute, member_a, f"/{own_id}/metadata/instance_uuid") == {
        "meta": {"instance_uuid": "abc"}}
    get(compute, member_a, f"/{own_id}/metadata/nothing", expect=404)
    get(compute, member_b, f"/{own_id}", expect=404)  # another project's private image
    get(compute, member_a, f"/{own_id}", version="2.36", expect=404)
    get(compute, member_a, "", version="2.36", expect=404)
    refused = compute.client.delete(f"{IMAGES}/{own_id}", headers=auth(member_b))
    assert refused.status_code == 404
    deleted = compute.client.delete(f"{IMAGES}/{own_id}", headers=auth(member_a))
    assert deleted.status_code == 204, deleted.text
    compute.cloud.sync_read_models()
    get(compute, member_a, f"/{own_id}", expect=404)
