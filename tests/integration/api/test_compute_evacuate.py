"""The `evacuate` action and `os-services` forced_down (2.11): a server is evacuated only from
a host that is down; the new host is claimed with the request, the outcome moves the server
and keeps the old host's claim until that host reports its clean-up. Here the tests report
the hosts' outcomes; the workers' side is tests/integration/compute/test_worker_evacuate.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.compute.node import node_id
from tests.integration.api.test_compute_live_migration import claims, migrations, other
from tests.support.compute_api import WORKER, Compute, auth

SERVICES = "/compute/v2.1/os-services"


def evacuate(compute: Compute, who: dict[str, str], server_id: str, body: dict[str, Any],
             version: str = "2.68") -> Any:
    return compute.action(who, server_id, {"evacuate": body}, version)


def force_down(compute: Compute, admin: dict[str, str], host: str, down: bool = True) -> None:
    [service] = compute.client.get(f"{SERVICES}?host={host}",
                                   headers=auth(admin, "2.53")).json()["services"]
    answer = compute.client.put(f"{SERVICES}/{service['id']}", json={"forced_down": down},
                                headers=auth(admin, "2.53"))
    assert answer.status_code == 200, answer.text
    assert (answer.json()["service"]["forced_down"], answer.json()["service"]["state"]) == (
        down, "down" if down else "up")


def test_a_server_is_evacuated_from_a_forced_down_host_and_the_old_claim_kept_until_cleanup(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    key, old = UUID(server_id).hex, compute.instance(server_id).host
    new = other(old)
    up = evacuate(compute, admin, server_id, {})
    assert up.status_code == 400 and "still in use" in up.text
    force_down(compute, admin, str(old))
    assert evacuate(compute, member_a, server_id, {}).status_code == 403
    answer = evacuate(compute, admin, server_id, {"host": new})
    assert answer.status_code == 200 and answer.content == b"", answer.text
    assert compute.show(admin, server_id)["status"] == "REBUILD"
    assert f"{key}:evacuate" in claims(compute, new) and key in claims(compute, str(old))
    compute.cloud.sync_read_models()
    [row] = migrations(compute, admin)
    assert (row["migration_type"], row["status"], row["source_compute"], row["dest_compute"]) \
        == ("evacuation", "accepted", old, new)

    compute.succeeded(server_id, "evacuate")  # the new host rebuilt it
    server = compute.show(admin, server_id)
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", new)
    assert claims(compute, new) == {key} and key in claims(compute, str(old))
    assert migrations(compute, admin)[0]["status"] == "done"
    compute.cloud.outcomes.evacuation_cleaned_up(WORKER, UUID(server_id), str(old))
    compute.cloud.outcomes.evacuation_cleaned_up(WORKER, UUID(server_id), str(old))  # replay
    assert key not in claims(compute, str(old)) and claims(compute, new) == {key}
    force_down(compute, admin, str(old), down=False)


def test_a_failed_evacuation_releases_the_new_claim_and_2_95_leaves_the_server_stopped(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    key, old = UUID(server_id).hex, str(compute.instance(server_id).host)
    force_down(compute, admin, old)
    legacy = evacuate(compute, admin, server_id, {"onSharedStorage": False}, "2.13")
    assert legacy.status_code == 200 and legacy.json()["adminPass"], legacy.text
    compute.failed(server_id, "evacuate", "no disk there")
    assert not any(c.startswith(key) for c in claims(compute, other(old)))
    assert compute.instance(server_id).host == old
    assert migrations(compute, admin)[0]["status"] == "failed"
    assert evacuate(compute, admin, server_id, {}, "2.95").status_code == 200
    compute.succeeded(server_id, "evacuate")
    assert compute.show(admin, server_id)["status"] == "SHUTOFF"


def test_evacuate_refusals_change_nothing(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    old = str(compute.instance(server_id).host)
    force_down(compute, admin, old)
    before = compute.instance(server_id).version
    for body, version in (({}, "2.13"),  # onSharedStorage required before 2.14
                          ({"onSharedStorage": True, "adminPass": "x"}, "2.13"),
                          ({"onSharedStorage": "maybe"}, "2.13"),
                          ({"onSharedStorage": False}, "2.14"),
                          ({"force": True}, "2.29"),  # only with a host
                          ({"host": other(old), "force": True}, "2.68"),  # 2.29 to 2.67
                          ({"host": old}, "2.68"),  # its own host
                          ({"host": "bad host!"}, "2.68")):
        answer = evacuate(compute, admin, server_id, body, version)
        assert answer.status_code == 400, (body, version, answer.text)
        assert "badRequest" in answer.json()
    assert evacuate(compute, admin, server_id, {"host": "nowhere"}).status_code == 404
    assert compute.instance(server_id).version == before
    compute.action(admin, server_id, {"lock": None})
    compute.action(member_a, server_id, {"pause": None})  # locked: refused
    assert evacuate(compute, admin, server_id, {"host": other(old), "force": False},
                    "2.29").status_code == 200
    assert evacuate(compute, admin, server_id, {}).status_code == 409, "already evacuating"
    legacy = compute.client.put(f"{SERVICES}/force-down", headers=auth(admin, "2.11"),
                                json={"host": old, "binary": "nova-compute",
                                      "forced_down": False})
    assert legacy.status_code == 200 and legacy.json() == {"service": {
        "host": old, "binary": "nova-compute", "forced_down": False}}


def test_a_host_is_forced_up_only_once_it_cleaned_up_what_was_evacuated_from_it(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str]) -> None:
    """Nova's _check_for_evacuations: 400 while `done` evacuations from the host remain (its
    compute has not restarted to clean them up); one still in progress does not count."""
    server_id = compute.active(member_a)
    old = str(compute.instance(server_id).host)
    force_down(compute, admin, old)
    assert evacuate(compute, admin, server_id, {"host": other(old)}).status_code == 200
    compute.succeeded(server_id, "evacuate")
    assert migrations(compute, admin)[0]["status"] == "done"
    [service] = compute.client.get(f"{SERVICES}?host={old}",
                                   headers=auth(admin, "2.53")).json()["services"]
    node_version = compute.cloud.app.repository.get(node_id(old)).version
    refusals = [compute.client.put(f"{SERVICES}/{service['id']}", json={"forced_down": False},
                                   headers=auth(admin, "2.53")),
                compute.client.put(f"{SERVICES}/force-down", headers=auth(admin, "2.11"),
                                   json={"host": old, "binary": "nova-compute",
                                         "forced_down": False})]
    for refused in refusals:
        assert refused.status_code == 400, refused.text
        assert "`done` evacuation migration records remain" in \
            refused.json()["badRequest"]["message"]
    assert compute.cloud.app.repository.get(node_id(old)).version == node_version
    assert compute.client.get(f"{SERVICES}?host={old}", headers=auth(admin, "2.53")).json()[
        "services"][0]["forced_down"] is True

    compute.cloud.outcomes.evacuation_cleaned_up(WORKER, UUID(server_id), old)
    compute.cloud.sync_read_models()
    assert migrations(compute, admin)[0]["status"] == "completed"
    force_down(compute, admin, old, down=False)
