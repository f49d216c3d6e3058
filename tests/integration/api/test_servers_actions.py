"""`POST /servers/{id}/action`: each action records a request (202), the worker's outcome (reported
here through OutcomeService) settles it; wrong states and locks are Nova's 409."""

from __future__ import annotations

from uuid import UUID

from domain.services.compute.consoles import ConsoleService
from tests.support.compute_api import SERVERS, Compute, auth

# (action body, the aggregate's action the worker reports on, status while pending, after)
LIFECYCLE = [
    ({"os-stop": None}, "stop", "ACTIVE", "SHUTOFF"),
    ({"os-start": None}, "start", "SHUTOFF", "ACTIVE"),
    ({"reboot": {"type": "SOFT"}}, "reboot", "REBOOT", "ACTIVE"),
    ({"reboot": {"type": "hard"}}, "reboot_hard", "HARD_REBOOT", "ACTIVE"),
    ({"pause": None}, "pause", "ACTIVE", "PAUSED"),
    ({"unpause": None}, "unpause", "PAUSED", "ACTIVE"),
    ({"suspend": None}, "suspend", "ACTIVE", "SUSPENDED"),
    ({"resume": None}, "resume", "SUSPENDED", "ACTIVE"),
]


def status(compute: Compute, who: dict[str, str], server_id: str) -> str:
    return str(compute.show(who, server_id)["status"])


def test_lifecycle_through_actions(compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    for body, action, pending, after in LIFECYCLE:
        response = compute.action(member_a, server_id, body)
        assert response.status_code == 202, (body, response.text)
        assert response.content == b""
        assert status(compute, member_a, server_id) == pending, body
        compute.succeeded(server_id, action)
        assert status(compute, member_a, server_id) == after, body


def test_wrong_state_is_409_in_nova_s_words(compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.booted(member_a)
    building = compute.action(member_a, server_id, {"os-stop": None})
    assert building.status_code == 409
    assert building.json()["conflictingRequest"]["message"].startswith(
        f"Cannot 'stop' instance {server_id} while it is in vm_state building")
    compute.spawned(server_id)
    assert compute.action(member_a, server_id, {"os-start": None}).status_code == 409
    assert compute.action(member_a, server_id, {"confirmResize": None}).status_code == 409
    assert compute.action(member_a, server_id, {"os-stop": None}).status_code == 202
    busy = compute.action(member_a, server_id, {"pause": None})
    assert busy.status_code == 409 and "task_state powering-off" in busy.text


def test_failed_action_returns_to_the_old_state(compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    compute.action(member_a, server_id, {"suspend": None})
    compute.failed(server_id, "suspend", "libvirt said no")
    server = compute.show(member_a, server_id)
    assert (server["status"], server["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    assert "fault" not in server, "a fault is shown for ERROR servers only"


def test_lock_blocks_members_not_admins(compute: Compute, member_a: dict[str, str],
                                        admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    assert compute.action(member_a, server_id, {"lock": None}).status_code == 202
    assert compute.show(member_a, server_id, version="2.9")["locked"] is True
    locked = compute.action(member_a, server_id, {"os-stop": None})
    assert locked.status_code == 409 and "locked" in locked.json()["conflictingRequest"]["message"]
    deleting = compute.client.delete(f"/compute/v2.1/servers/{server_id}", headers=auth(member_a))
    assert deleting.status_code == 409
    assert compute.action(admin, server_id, {"os-stop": None}).status_code == 202
    compute.succeeded(server_id, "stop")
    assert compute.action(member_a, server_id, {"unlock": None}).status_code == 202
    assert compute.action(member_a, server_id, {"os-start": None}).status_code == 202


def test_an_admins_lock_is_only_for_admins_to_lift(compute: Compute, member_a: dict[str, str],
                                                   admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    assert compute.action(admin, server_id, {"lock": None}).status_code == 202
    refused = compute.action(member_a, server_id, {"unlock": None})
    assert refused.status_code == 409
    assert compute.show(member_a, server_id, version="2.9")["locked"] is True
    assert compute.action(admin, server_id, {"unlock": None}).status_code == 202
    assert compute.show(member_a, server_id, version="2.9")["locked"] is False


def test_resize_confirm_and_revert(compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    assert compute.action(member_a, server_id, {"resize": {"flavorRef": "1"}}).status_code == 400
    assert compute.action(member_a, server_id, {"resize": {"flavorRef": "2"}}).status_code == 202
    assert status(compute, member_a, server_id) == "RESIZE"
    compute.succeeded(server_id, "resize")
    server = compute.show(member_a, server_id)
    assert (server["status"], server["flavor"]["id"]) == ("VERIFY_RESIZE", "2")
    confirmed = compute.action(member_a, server_id, {"confirmResize": None})
    assert confirmed.status_code == 204
    compute.succeeded(server_id, "confirm_resize")
    assert status(compute, member_a, server_id) == "ACTIVE"
    compute.action(member_a, server_id, {"resize": {"flavorRef": "1"}})
    compute.succeeded(server_id, "resize")
    assert compute.action(member_a, server_id, {"revertResize": None}).status_code == 202
    reverting = compute.show(member_a, server_id)
    assert (reverting["status"], reverting["OS-EXT-STS:task_state"]) == ("REVERT_RESIZE",
                                                                          "resize_reverting")
    compute.succeeded(server_id, "revert_resize")
    assert compute.show(member_a, server_id)["flavor"]["id"] == "2"


def test_rebuild_answers_the_server(compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    response = compute.action(member_a, server_id, {"rebuild": {
        "imageRef": compute.image, "name": "rebuilt", "metadata": {"v": "2"}}})
    assert response.status_code == 202, response.text
    body = response.json()["server"]
    assert (body["status"], body["name"], body["metadata"]) == ("REBUILD", "rebuilt", {"v": "2"})
    assert body["adminPass"]
    compute.succeeded(server_id, "rebuild")
    assert status(compute, member_a, server_id) == "ACTIVE"
    bad = compute.action(member_a, server_id, {"rebuild": {"imageRef": "nope"}})
    assert bad.status_code == 400


def test_the_disk_config_is_kept_as_given(compute: Compute, member_a: dict[str, str]) -> None:
    """OS-DCF:diskConfig from the boot, a rebuild, a resize and a PUT shows back."""
    def disk_config() -> str:
        return str(compute.show(member_a, server_id)["OS-DCF:diskConfig"])

    server_id = compute.active(member_a, **{"OS-DCF:diskConfig": "AUTO"})
    assert disk_config() == "AUTO"
    rebuilt = compute.action(member_a, server_id, {"rebuild": {
        "imageRef": compute.image, "OS-DCF:diskConfig": "MANUAL"}})
    assert rebuilt.json()["server"]["OS-DCF:diskConfig"] == "MANUAL"
    compute.succeeded(server_id, "rebuild")
    compute.action(member_a, server_id, {"resize": {"flavorRef": "2", "OS-DCF:diskConfig": "AUTO"}})
    assert disk_config() == "AUTO"
    compute.succeeded(server_id, "resize")
    compute.client.put(f"{SERVERS}/{server_id}", headers=auth(member_a),
                       json={"server": {"OS-DCF:diskConfig": "MANUAL"}})
    assert disk_config() == "MANUAL"
    bad = compute.action(member_a, server_id, {"rebuild": {
        "imageRef": compute.image, "OS-DCF:diskConfig": "SOMETIMES"}})
    assert bad.status_code == 400 and disk_config() == "MANUAL"


BAD_ACTIONS = [
    {"fly": None}, {"reboot": {"type": "GENTLE"}}, {"reboot": None}, {"resize": {}},
    {"rebuild": {}}, {"os-stop": None, "os-start": None}, {}, [],
    {"createImage": {"name": ""}}, {"os-getConsoleOutput": {"length": "x"}},
    {"os-getConsoleOutput": {"length": -2}}, {"resize": {"flavorRef": "2", "size": 3}},
]


def test_bad_actions_are_400(compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    for body in BAD_ACTIONS:
        response = compute.action(member_a, server_id, body)
        assert response.status_code == 400, (body, response.text)
        assert "badRequest" in response.json(), body
    assert status(compute, member_a, server_id) == "ACTIVE"


def test_other_projects_cannot_act(compute: Compute, member_a: dict[str, str],
                                   member_b: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    for body in ({"os-stop": None}, {"lock": None}, {"reboot": {"type": "HARD"}}):
        assert compute.action(member_b, server_id, body).status_code == 404
    assert compute.action(member_a, "0" * 32, {"os-stop": None}).status_code == 404
    assert status(compute, member_a, server_id) == "ACTIVE"


def test_console_output_reads_what_the_worker_recorded(compute: Compute,
                                                        member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    empty = compute.action(member_a, server_id, {"os-getConsoleOutput": {}})
    assert (empty.status_code, empty.json()) == (200, {"output": ""})
    # What the worker does as the guest prints (its own tests cover reading the guest).
    ConsoleService(compute.cloud.app).write(UUID(server_id), "host-1", "one\ntwo\nthree\n")
    compute.cloud.sync_read_models()
    # Nova's cut (_tail_log): the last pieces of the output split at "\n", '' at the end too
    for length, expected in ((3, "two\nthree\n"), ("2", "three\n"), (1, ""),
                             (-1, "one\ntwo\nthree\n"),
                             (None, "one\ntwo\nthree\n")):
        response = compute.action(member_a, server_id, {"os-getConsoleOutput": {"length": length}})
        assert response.json() == {"output": expected}, length


def test_locked_reason_and_the_locked_filter_from_2_73(compute: Compute,
                                                       member_a: dict[str, str]) -> None:
    locked, free = compute.active(member_a), compute.active(member_a)
    lock = compute.action(member_a, locked, {"lock": {"locked_reason": "audit"}}, "2.73")
    assert lock.status_code == 202
    assert compute.show(member_a, locked, "2.73")["locked_reason"] == "audit"
    assert compute.show(member_a, free, "2.73")["locked_reason"] is None
    assert "locked_reason" not in compute.show(member_a, locked, "2.72")
    put = compute.client.put(f"{SERVERS}/{locked}", json={"server": {"name": "renamed"}},
                             headers=auth(member_a, "2.73"))
    assert put.json()["server"]["locked_reason"] == "audit"
    for value, expected in (("true", {locked}), ("False", {free}), ("1", {locked})):
        listed = compute.client.get(f"{SERVERS}/detail?locked={value}",
                                    headers=auth(member_a, "2.73")).json()["servers"]
        assert {s["id"] for s in listed} == expected, value
        assert all("locked_reason" in s for s in listed)
    old = compute.client.get(f"{SERVERS}?locked=true", headers=auth(member_a, "2.72"))
    assert {s["id"] for s in old.json()["servers"]} == {locked, free}, "ignored before 2.73"
    bad = compute.client.get(f"{SERVERS}?locked=maybe", headers=auth(member_a, "2.73"))
    assert bad.status_code == 400 and "Unrecognized value 'maybe'" in bad.text
