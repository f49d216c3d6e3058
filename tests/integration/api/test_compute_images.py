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


def test_metadata_changes(compute: Compute, member_a: dict[str, str],
                          member_b: dict[str, str]) -> None:
    made = compute.client.post("/image/v2/images", headers=auth(member_a), json={
        "name": "meta", "disk_format": "raw", "container_format": "bare", "os_distro": "x"})
    image = made.json()["id"]
    path = f"{IMAGES}/{image}/metadata"

    def send(method: str, url: str, body: Any = None, who: dict[str, str] = member_a,
             expect: int = 200) -> Any:
        response = compute.client.request(method, url, json=body, headers=auth(who))
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    assert send("POST", path, {"metadata": {"k1": "v1"}}) == {
        "metadata": {"os_distro": "x", "k1": "v1"}}
    assert send("PUT", path, {"metadata": {"k2": "v2"}}) == {"metadata": {"k2": "v2"}}
    assert send("PUT", f"{path}/k3", {"meta": {"k3": "v3"}}) == {"meta": {"k3": "v3"}}
    send("PUT", f"{path}/k3", {"meta": {"other": "v"}}, expect=400)
    send("PUT", f"{path}/k3", {"meta": {"k3": "a", "k4": "b"}}, expect=400)
    send("DELETE", f"{path}/k2", expect=204)
    send("DELETE", f"{path}/k2", expect=404)
    assert get(compute, member_a, f"/{image}/metadata") == {"metadata": {"k3": "v3"}}
    send("POST", path, {"metadata": {"k": "v"}}, who=member_b, expect=404)
    too_many = {f"key{i}": "v" for i in range(129)}
    send("POST", path, {"metadata": too_many}, expect=403)
    send("DELETE", f"{IMAGES}/", expect=404)
    snapshot_type = get(compute, member_a, "/detail?type=snapshot")["images"]
    assert snapshot_type == []
