"""`/os-aggregates`: create, show, update, hosts, metadata and zones; the zone an aggregate gives
its hosts is where the scheduler puts servers, and a flavor's aggregate extra specs pick hosts."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tests.support.compute_api import Compute, auth

AGGREGATES = "/compute/v2.1/os-aggregates"


def call(compute: Compute, who: dict[str, str], method: str, path: str, body: Any = None,
         version: str | None = None, expect: int = 200) -> Any:
    response = compute.client.request(method, f"{AGGREGATES}{path}", json=body,
                                      headers=auth(who, version))
    assert response.status_code == expect, response.text
    return response.json() if response.content else None


def act(compute: Compute, admin: dict[str, str], aggregate: int, action: str, expect: int = 200,
        **params: Any) -> Any:
    return call(compute, admin, "POST", f"/{aggregate}/action", {action: params}, expect=expect)


def test_lifecycle(compute: Compute, admin: dict[str, str]) -> None:
    created = call(compute, admin, "POST", "", {"aggregate": {"name": "rack-1"}})["aggregate"]
    assert set(created) == {"id", "name", "availability_zone", "created_at", "updated_at",
                            "deleted", "deleted_at"}
    assert isinstance(created["id"], int) and created["availability_zone"] is None
    agg = created["id"]
    call(compute, admin, "POST", "", {"aggregate": {"name": "rack-1"}}, expect=409)
    with_host = act(compute, admin, agg, "add_host", host="host-1")["aggregate"]
    assert with_host["hosts"] == ["host-1"] and with_host["metadata"] == {}
    act(compute, admin, agg, "add_host", expect=409, host="host-1")
    act(compute, admin, agg, "add_host", expect=404, host="no-such-host")
    meta = act(compute, admin, agg, "set_metadata", metadata={"ssd": "true", "gone": None})
    assert meta["aggregate"]["metadata"] == {"ssd": "true"}
    call(compute, admin, "DELETE", f"/{agg}", expect=400)  # it still has a host
    renamed = call(compute, admin, "PUT", f"/{agg}", {"aggregate": {"name": "rack-one"}})
    assert renamed["aggregate"]["name"] == "rack-one" and renamed["aggregate"]["updated_at"]
    shown = call(compute, admin, "GET", f"/{agg}", version="2.41")["aggregate"]
    assert len(shown["uuid"]) == 36 and shown["hosts"] == ["host-1"]
    assert [a["name"] for a in call(compute, admin, "GET", "")["aggregates"]] == ["rack-one"]
    act(compute, admin, agg, "remove_host", host="host-1")
    act(compute, admin, agg, "remove_host", expect=404, host="host-1")
    assert call(compute, admin, "DELETE", f"/{agg}") is None
    call(compute, admin, "GET", f"/{agg}", expect=404)
    call(compute, admin, "GET", "/-1", expect=404)
    # The name is free again once its aggregate is gone.
    call(compute, admin, "POST", "", {"aggregate": {"name": "rack-one"}})


def test_bad_input_and_members(compute: Compute, admin: dict[str, str],
                               member_a: dict[str, str]) -> None:
    for bad in ({"aggregate": {"name": ""}}, {"aggregate": {"name": "x" * 256}},
                {"aggregate": {}}, {"aggregate": {"name": "a", "extra": 1}}):
        call(compute, admin, "POST", "", bad, expect=400)
    agg = call(compute, admin, "POST", "", {"aggregate": {"name": "a"}})["aggregate"]["id"]
    call(compute, admin, "PUT", f"/{agg}", {"aggregate": {}}, expect=400)
    call(compute, admin, "POST", f"/{agg}/action", {"add_host": {"host": "host-1"},
                                                    "remove_host": {"host": "host-1"}}, expect=400)
    call(compute, member_a, "GET", "", expect=403)
    call(compute, member_a, "POST", "", {"aggregate": {"name": "b"}}, expect=403)
    act(compute, member_a, agg, "add_host", expect=403, host="host-1")
    call(compute, member_a, "DELETE", f"/{agg}", expect=403)


def test_zone_moves_hosts_and_servers_follow(compute: Compute, admin: dict[str, str],
                                             member_a: dict[str, str]) -> None:
    agg = call(compute, admin, "POST", "", {"aggregate": {"name": "east",
                                                          "availability_zone": "az-east"}})
    east = agg["aggregate"]["id"]
    act(compute, admin, east, "add_host", host="host-2")
    zones = compute.client.get("/compute/v2.1/os-availability-zone", headers=auth(member_a))
    assert sorted(z["zoneName"] for z in zones.json()["availabilityZoneInfo"]) == [
        "az-east", "nova"]
    server = compute.booted(member_a, availability_zone="az-east")
    assert compute.instance(server).host == "host-2"
    # A second aggregate may not put host-2 in another zone, by add or by a zone change.
    west = call(compute, admin, "POST", "", {"aggregate": {"name": "west",
                                                           "availability_zone": "az-west"}})
    act(compute, admin, west["aggregate"]["id"], "add_host", expect=409, host="host-2")
    plain = call(compute, admin, "POST", "", {"aggregate": {"name": "plain"}})["aggregate"]["id"]
    act(compute, admin, plain, "add_host", host="host-2")
    call(compute, admin, "PUT", f"/{plain}", {"aggregate": {"availability_zone": "az-west"}},
         expect=400)
    # Moving the zone by metadata moves the host with it.
    act(compute, admin, east, "set_metadata", metadata={"availability_zone": "az-north"})
    moved = compute.booted(member_a, availability_zone="az-north")
    assert compute.instance(moved).host == "host-2"


def test_flavor_extra_specs_pick_aggregate_hosts(compute: Compute, admin: dict[str, str],
                                                 member_a: dict[str, str]) -> None:
    flavors = "/compute/v2.1/flavors"
    made = compute.client.post(flavors, headers=admin, json={"flavor": {
        "name": "ssd", "id": "ssd", "ram": 256, "vcpus": 1, "disk": 1}})
    assert made.status_code == 200, made.text
    specs = compute.client.post(f"{flavors}/ssd/os-extra_specs", headers=admin, json={
        "extra_specs": {"aggregate_instance_extra_specs:ssd": "true"}})
    assert specs.status_code == 200, specs.text
    refused = compute.booted(member_a, flavorRef="ssd")
    compute.cloud.sync_read_models()
    assert compute.show(member_a, refused)["status"] == "ERROR"  # no host has ssd=true yet
    agg = call(compute, admin, "POST", "", {"aggregate": {"name": "fast"}})["aggregate"]["id"]
    act(compute, admin, agg, "add_host", host="host-1")
    act(compute, admin, agg, "set_metadata", metadata={"ssd": "true"})
    for _ in range(3):
        placed = compute.booted(member_a, flavorRef="ssd")
        assert compute.instance(placed).host == "host-1"


def test_image_cache_requests_from_2_81(compute: Compute, admin: dict[str, str],
                                        member_a: dict[str, str]) -> None:
    """2.81: POST /os-aggregates/{id}/images is 202 with no body and records the request with
    the aggregate's hosts (their workers act on it: test_worker_image_cache.py); Nova's 400s
    and 404s change nothing."""
    from domain.compute.host_aggregate import HostAggregate

    agg = call(compute, admin, "POST", "", {"aggregate": {"name": "cache-rack"}})["aggregate"]
    act(compute, admin, agg["id"], "add_host", host="host-1")
    images = f"/{agg['id']}/images"
    wanted = {"cache": [{"id": compute.image}]}
    call(compute, admin, "POST", images, wanted, version="2.80", expect=404)
    refused: list[dict[str, Any]] = [
        {}, {"cache": []}, {"cache": [{"id": "nope"}]}, {"cache": [{"id": compute.image, "x": 1}]},
        {"cache": [{"id": compute.image}], "x": 1},
        {"cache": [{"id": compute.image}, {"id": compute.image}]}]
    for body in refused:
        call(compute, admin, "POST", images, body, version="2.81", expect=400)
    call(compute, admin, "POST", "/abc/images", wanted, version="2.81", expect=400)
    call(compute, admin, "POST", "/9999/images", wanted, version="2.81", expect=404)
    call(compute, member_a, "POST", images, wanted, version="2.81", expect=403)
    response = compute.client.post(f"{AGGREGATES}{images}", json=wanted,
                                   headers=auth(admin, "2.81"))
    assert (response.status_code, response.content) == (202, b"")
    assert response.headers["OpenStack-API-Version"] == "compute 2.81"
    assert "OpenStack-API-Version" in response.headers["Vary"]
    shown = call(compute, admin, "GET", f"/{agg['id']}", version="2.41")["aggregate"]
    requests = [e for e in compute.cloud.app.repository.event_store.get(UUID(shown["uuid"]))
                if isinstance(e, HostAggregate.ImagesCacheRequested)]
    assert [(e.image_ids, e.hosts) for e in requests] == [([str(UUID(compute.image))],
                                                           ["host-1"])]
