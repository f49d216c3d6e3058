"""Unshelving into an availability zone (2.77): the offloaded server is scheduled in that zone,
which becomes its own; a server not offloaded is Nova's 409, an unknown zone its 400."""

from __future__ import annotations

from uuid import UUID

from tests.support.compute_api import WORKER, Compute, register_host


def offloaded(compute: Compute, who: dict[str, str]) -> str:
    server_id = compute.active(who, availability_zone="nova")
    assert compute.action(who, server_id, {"shelve": None}).status_code == 202
    blob = compute.cloud.blobs.put(iter([b"root disk"]), 2**20)
    compute.cloud.outcomes.action_succeeded(WORKER, UUID(server_id), "shelve", blob)
    compute.cloud.sync_read_models()
    assert compute.show(who, server_id)["status"] == "SHELVED_OFFLOADED"
    return server_id


def test_unshelve_into_another_zone(compute: Compute, member_a: dict[str, str]) -> None:
    register_host(compute.cloud, "host-3", zone="az-2")
    server_id = offloaded(compute, member_a)
    unshelve = {"unshelve": {"availability_zone": "az-2"}}
    assert compute.action(member_a, server_id, unshelve, "2.77").status_code == 202
    assert compute.instance(server_id).pending["host"] == "host-3"  # type: ignore[index]
    assert compute.instance(server_id).availability_zone == "az-2"
    compute.succeeded(server_id, "unshelve")
    shown = compute.show(member_a, server_id, "2.77")
    assert (shown["status"], shown["OS-EXT-AZ:availability_zone"]) == ("ACTIVE", "az-2")
    # Its zone is its own now: a later unshelve without one stays there.
    assert compute.action(member_a, server_id, {"shelve": None}).status_code == 202
    blob = compute.cloud.blobs.put(iter([b"root disk"]), 2**20)
    compute.cloud.outcomes.action_succeeded(WORKER, UUID(server_id), "shelve", blob)
    assert compute.action(member_a, server_id, {"unshelve": None}, "2.77").status_code == 202
    assert compute.instance(server_id).pending["host"] == "host-3"  # type: ignore[index]


def test_bad_unshelves_change_nothing(compute: Compute, member_a: dict[str, str]) -> None:
    server_id = offloaded(compute, member_a)
    before = compute.cloud.app.recorder.max_notification_id()
    for body, version, code in (({"availability_zone": "nowhere"}, "2.77", 400),
                                ({}, "2.77", 400), ({"availability_zone": ""}, "2.77", 400),
                                ({"availability_zone": "nova", "host": "x"}, "2.77", 400)):
        response = compute.action(member_a, server_id, {"unshelve": body}, version)
        assert response.status_code == code, (body, response.text)
    assert compute.cloud.app.recorder.max_notification_id() == before
    active = compute.active(member_a)
    refused = compute.action(member_a, active, {"unshelve": {"availability_zone": "nova"}},
                             "2.77")
    assert refused.status_code == 409
    assert "must be SHELVED_OFFLOADED" in refused.json()["conflictingRequest"]["message"]
    # Before 2.77 the body is not read: a zone that does not exist changes nothing.
    old = compute.action(member_a, server_id, {"unshelve": {"availability_zone": "nowhere"}},
                         "2.76")
    assert old.status_code == 202
    assert compute.instance(server_id).availability_zone == "nova"
