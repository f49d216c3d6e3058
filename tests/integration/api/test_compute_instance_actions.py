"""`/servers/{id}/os-instance-actions`: the actions asked of a server and each step's outcome."""

from __future__ import annotations

from typing import Any

from api.bodies.servers import host_id
from api.routers.compute_instance_actions import EVENT_KEYS
from tests.support.compute_api import SERVERS, Compute, auth


def actions(compute: Compute, who: dict[str, str], server_id: str,
            version: str | None = None, query: str = "") -> Any:
    response = compute.client.get(f"{SERVERS}/{server_id}/os-instance-actions{query}",
                                  headers=auth(who, version))
    assert response.status_code == 200, response.text
    return response.json()


def action(compute: Compute, who: dict[str, str], server_id: str, request_id: str,
           version: str | None = None) -> Any:
    response = compute.client.get(f"{SERVERS}/{server_id}/os-instance-actions/{request_id}",
                                  headers=auth(who, version))
    assert response.status_code == 200, response.text
    return response.json()["instanceAction"]


def test_actions_and_their_steps(compute: Compute, member_a: dict[str, str],
                                 admin: dict[str, str]) -> None:
    boot = compute.boot(member_a)
    server_id = boot.json()["server"]["id"]
    compute.spawned(server_id)
    stop = compute.action(member_a, server_id, {"os-stop": None})
    compute.succeeded(server_id, "stop")
    compute.action(member_a, server_id, {"os-start": None})
    compute.failed(server_id, "start", "the guest would not start")
    compute.action(admin, server_id, {"lock": None})
    listed = actions(compute, member_a, server_id)["instanceActions"]
    assert [a["action"] for a in listed] == ["lock", "start", "stop", "create"], "newest first"
    create = listed[-1]
    assert create["request_id"] == boot.headers["X-Openstack-Request-Id"]
    assert (create["user_id"], create["project_id"]) == (member_a["user_id"],
                                                         member_a["project_id"])
    assert create["instance_uuid"] == server_id and create["message"] is None
    assert set(create) == {"action", "instance_uuid", "request_id", "user_id", "project_id",
                           "start_time", "message"}
    assert listed[1]["message"] == "Error" and listed[0]["user_id"] != member_a["user_id"]
    stopped = action(compute, member_a, server_id, stop.headers["X-Openstack-Request-Id"], "2.51")
    [step] = stopped["events"]
    assert (step["event"], step["result"]) == ("compute_stop_instance", "Success")
    assert step["finish_time"] >= step["start_time"] and "traceback" not in step
    built = action(compute, member_a, server_id, create["request_id"], "2.51")["events"]
    assert [(e["event"], e["result"]) for e in built] == [
        ("compute__do_build_and_run_instance", "Success"),
        ("conductor_schedule_and_build_instances", "Success")]


def test_events_need_2_51_for_members_and_show_tracebacks_to_admins(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    request_id = actions(compute, member_a, server_id)["instanceActions"][0]["request_id"]
    assert "events" not in action(compute, member_a, server_id, request_id)
    assert "events" in action(compute, member_a, server_id, request_id, "2.51")
    [*steps] = action(compute, admin, server_id, request_id)["events"]
    assert steps and all("traceback" in s for s in steps)


def test_failed_build_and_unknown_actions(compute: Compute, member_a: dict[str, str],
                                          member_b: dict[str, str]) -> None:
    server_id = compute.booted(member_a, flavorRef="5")  # no host can take it
    [create] = actions(compute, member_a, server_id)["instanceActions"]
    assert create["message"] == "Error"
    steps = action(compute, member_a, server_id, create["request_id"], "2.51")["events"]
    assert [(e["event"], e["result"]) for e in steps] == [
        ("conductor_schedule_and_build_instances", "Error")]
    missing = compute.client.get(f"{SERVERS}/{server_id}/os-instance-actions/req-nope",
                                 headers=auth(member_a))
    assert missing.status_code == 404
    other = compute.client.get(f"{SERVERS}/{server_id}/os-instance-actions",
                               headers=auth(member_b))
    assert other.status_code == 404


def test_paging_from_2_58_and_deleted_servers_from_2_21(compute: Compute,
                                                        member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    for body, done in (({"os-stop": None}, "stop"), ({"os-start": None}, "start")):
        compute.action(member_a, server_id, body)
        compute.succeeded(server_id, done)
    page = actions(compute, member_a, server_id, "2.58", "?limit=2")
    assert [a["action"] for a in page["instanceActions"]] == ["start", "stop"]
    assert all("updated_at" in a for a in page["instanceActions"])
    marker = page["instanceActions"][-1]["request_id"]
    assert f"marker={marker}" in page["links"][0]["href"]
    rest = actions(compute, member_a, server_id, "2.58", f"?limit=2&marker={marker}")
    assert [a["action"] for a in rest["instanceActions"]] == ["create"] and "links" not in rest
    compute.client.delete(f"{SERVERS}/{server_id}", headers=auth(member_a))
    compute.deleted(server_id)
    gone = compute.client.get(f"{SERVERS}/{server_id}/os-instance-actions", headers=auth(member_a))
    assert gone.status_code == 404
    kept = actions(compute, member_a, server_id, "2.21")["instanceActions"]
    assert [a["action"] for a in kept][:1] == ["delete"]
    delete_steps = action(compute, member_a, server_id, kept[0]["request_id"], "2.51")["events"]
    assert [(e["event"], e["result"]) for e in delete_steps] == [
        ("compute_terminate_instance", "Success")]


def test_events_show_their_host_from_2_62(compute: Compute, member_a: dict[str, str],
                                          admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    host = compute.instance(server_id).host
    request_id = actions(compute, member_a, server_id)["instanceActions"][0]["request_id"]
    before = action(compute, admin, server_id, request_id, "2.61")["events"]
    assert before and all("host" not in e and "hostId" not in e for e in before)
    hashed = host_id(member_a["project_id"], host)
    shown = action(compute, admin, server_id, request_id, "2.62")["events"]
    # The scheduler's step, opened before a host was chosen, ran where it chose.
    assert [(e["host"], e["hostId"]) for e in shown] == [(host, hashed), (host, hashed)]
    members = action(compute, member_a, server_id, request_id, "2.62")["events"]
    assert [set(e) for e in members] == [{*EVENT_KEYS, "hostId"}] * 2, "host is admins' only"
    assert all(e["hostId"] == hashed for e in members)


def test_events_show_why_they_failed_from_2_84(compute: Compute, member_a: dict[str, str],
                                               admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    compute.action(member_a, server_id, {"os-stop": None})
    compute.failed(server_id, "stop", "the guest would not stop")
    [stop, _] = actions(compute, member_a, server_id)["instanceActions"]
    [failed] = action(compute, admin, server_id, stop["request_id"], "2.84")["events"]
    assert (failed["result"], failed["details"]) == ("Error", "the guest would not stop")
    [built, scheduled] = action(compute, admin, server_id, actions(
        compute, admin, server_id)["instanceActions"][1]["request_id"], "2.84")["events"]
    assert built["details"] is None and scheduled["details"] is None
    assert "details" not in action(compute, admin, server_id, stop["request_id"],
                                   "2.83")["events"][0]
    assert "details" not in action(compute, member_a, server_id, stop["request_id"],
                                   "2.84")["events"][0], "admins only, by default"
