"""`changes-before` (2.66) on the server lists and on instance actions: what changed at or
before a moment (deleted servers included, as with changes-since); ignored before 2.66."""

from __future__ import annotations

from typing import Any

from tests.support.compute_api import SERVERS, Compute, auth

PAST, FUTURE = "2000-01-01T00:00:00Z", "2999-01-01T00:00:00Z"


def listed(compute: Compute, who: dict[str, str], query: str, version: str,
           path: str = f"{SERVERS}/detail") -> Any:
    response = compute.client.get(f"{path}?{query}", headers=auth(who, version))
    assert response.status_code == 200, response.text
    return response.json()


def test_servers_changed_before(compute: Compute, member_a: dict[str, str]) -> None:
    kept, gone = compute.active(member_a), compute.active(member_a)
    assert compute.client.delete(f"{SERVERS}/{gone}", headers=auth(member_a)).status_code == 204
    compute.deleted(gone)
    assert listed(compute, member_a, f"changes-before={PAST}", "2.66")["servers"] == []
    everything = listed(compute, member_a, f"changes-before={FUTURE}", "2.66")["servers"]
    assert {s["id"]: s["status"] for s in everything} == {kept: "ACTIVE", gone: "DELETED"}
    window = listed(compute, member_a, f"changes-since={PAST}&changes-before={FUTURE}", "2.66",
                    SERVERS)["servers"]
    assert {s["id"] for s in window} == {kept, gone}
    # Before 2.66 the parameter means nothing: the live servers, as without it.
    old = listed(compute, member_a, f"changes-before={PAST}", "2.65")["servers"]
    assert [s["id"] for s in old] == [kept]


def test_bad_changes_before_is_400(compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    for path in (SERVERS, f"{SERVERS}/detail", f"{SERVERS}/{server_id}/os-instance-actions"):
        for query in ("changes-before=yesterday",
                      f"changes-since={FUTURE}&changes-before={PAST}"):
            response = compute.client.get(f"{path}?{query}", headers=auth(member_a, "2.66"))
            assert response.status_code == 400, (path, query)
        inverted = compute.client.get(f"{path}?changes-since={FUTURE}&changes-before={PAST}",
                                      headers=auth(member_a, "2.66"))
        assert "changes-since must be less than or equal to changes-before" in inverted.text


def test_instance_actions_changed_before(compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    compute.action(member_a, server_id, {"os-stop": None})
    path = f"{SERVERS}/{server_id}/os-instance-actions"
    assert listed(compute, member_a, f"changes-before={PAST}", "2.66",
                  path)["instanceActions"] == []
    actions = listed(compute, member_a, f"changes-before={FUTURE}", "2.66", path)
    assert [a["action"] for a in actions["instanceActions"]] == ["stop", "create"]
    old = listed(compute, member_a, f"changes-before={PAST}", "2.65", path)
    assert [a["action"] for a in old["instanceActions"]] == ["stop", "create"]
