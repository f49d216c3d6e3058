"""`os-migrateLive`: the request, its claim on the destination, the destination's preparation,
the outcome's settling of both hosts' claims, `/os-migrations` and the instance action; and
every refusal (a 4xx that changes nothing). The workers' side (real guests between two
libvirtd hosts) is tests/e2e/test_live_migration.py; here the tests report the outcomes."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.compute.instance_live_control import ABORTED
from domain.compute.node import ComputeNode, node_id
from tests.support.compute_api import WORKER, Compute, auth

MIGRATIONS = "/compute/v2.1/os-migrations"
TARGET = {"hypervisor_uri": "qemu+tcp://192.0.2.9/system", "migrate_uri": "tcp://192.0.2.9",
          "state_dir": "/srv/instances", "copy_disks": True}


def claims(compute: Compute, host: str) -> set[str]:
    node = compute.cloud.app.repository.get(node_id(host))
    assert isinstance(node, ComputeNode)
    return set(node.claims)


def migrations(compute: Compute, who: dict[str, str]) -> list[dict[str, Any]]:
    response = compute.client.get(MIGRATIONS, headers=auth(who, "2.23"))
    assert response.status_code == 200, response.text
    return list(response.json()["migrations"])


def live(compute: Compute, who: dict[str, str], server_id: str, body: dict[str, Any],
         version: str = "2.68") -> Any:
    return compute.action(who, server_id, {"os-migrateLive": body}, version)


def other(host: str | None) -> str:
    return "host-2" if host == "host-1" else "host-1"


def test_a_live_migration_claims_prepares_moves_and_settles(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    key, source = UUID(server_id).hex, compute.instance(server_id).host
    dest = other(source)
    body = {"host": dest, "block_migration": "auto"}
    assert live(compute, member_a, server_id, body).status_code == 403
    assert live(compute, admin, server_id, body).status_code == 202
    assert compute.show(member_a, server_id)["status"] == "MIGRATING"
    assert key in claims(compute, source) and f"{key}:live" in claims(compute, dest)
    compute.cloud.sync_read_models()
    [row] = migrations(compute, admin)
    assert (row["migration_type"], row["status"], row["source_compute"], row["dest_compute"]) \
        == ("live-migration", "preparing", source, dest)

    compute.cloud.outcomes.migration_prepared(WORKER, UUID(server_id), TARGET)
    compute.cloud.sync_read_models()
    assert compute.instance(server_id).pending["target"] == TARGET  # type: ignore[index]
    assert migrations(compute, admin)[0]["status"] == "running"
    compute.succeeded(server_id, "live_migrate")
    assert compute.instance(server_id).host == dest
    assert compute.show(member_a, server_id)["status"] == "ACTIVE"
    assert key not in claims(compute, source)
    assert claims(compute, dest) >= {key} and f"{key}:live" not in claims(compute, dest)
    assert migrations(compute, admin)[0]["status"] == "completed"
    listed = compute.client.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions",
                                headers=auth(admin)).json()["instanceActions"]
    assert listed[0]["action"] == "live-migration"


def test_a_refused_live_migration_leaves_the_server_where_it_ran(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    key, source = UUID(server_id).hex, compute.instance(server_id).host
    dest = other(source)
    assert live(compute, admin, server_id, {"host": None, "block_migration": True}).status_code \
        == 202
    compute.failed(server_id, "live_migrate", "the destination refused")
    server = compute.show(admin, server_id)
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", source)
    assert key in claims(compute, source) and not any(c.startswith(key)
                                                      for c in claims(compute, dest))
    assert migrations(compute, admin)[0]["status"] == "error"


def test_live_migration_refusals_change_nothing(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    here = compute.instance(server_id).host
    there = other(here)
    bad = [({"host": there}, "2.68"),  # block_migration is required
           ({"host": there, "block_migration": "auto"}, "2.24"),  # "auto" from 2.25
           ({"host": there, "block_migration": False}, "2.24"),  # disk_over_commit before
           ({"host": there, "block_migration": "maybe"}, "2.68"),
           ({"host": there, "block_migration": True, "force": True}, "2.68"),  # 2.30 to 2.67
           ({"host": there, "block_migration": True, "force": "x"}, "2.30"),
           ({"host": 5, "block_migration": True}, "2.68"),
           ({"host": here, "block_migration": True}, "2.68"),  # its own host
           ({"host": "nowhere", "block_migration": True}, "2.68")]
    for body, version in bad:
        answer = live(compute, admin, server_id, body, version)
        assert answer.status_code == 400, (body, version, answer.text)
        assert "badRequest" in answer.json(), answer.text
    assert compute.action(admin, server_id, {"os-migrateLive": None}).status_code == 400
    compute.action(member_a, server_id, {"os-stop": None})
    compute.succeeded(server_id, "stop")
    stopped = live(compute, admin, server_id, {"host": there, "block_migration": True})
    assert stopped.status_code == 409 and "os-migrateLive" in stopped.text
    assert compute.instance(server_id).host == here
    assert not any(c.endswith(":live") for c in claims(compute, there)), "nothing was claimed"
    compute.cloud.sync_read_models()
    assert migrations(compute, admin) == []
    compute.action(member_a, server_id, {"os-start": None})
    compute.succeeded(server_id, "start")
    old = live(compute, admin, server_id,
               {"host": there, "block_migration": "true", "disk_over_commit": False}, "2.1")
    assert old.status_code == 202, old.text


def usage(compute: Compute, host: str, admin: dict[str, str]) -> dict[str, int]:
    """What os-hypervisors shows used on `host` (the scheduling read model)."""
    compute.cloud.sync_read_models()
    response = compute.client.get("/compute/v2.1/os-hypervisors/detail",
                                  headers=auth(admin, "2.1"))
    assert response.status_code == 200, response.text
    [shown] = [h for h in response.json()["hypervisors"] if h["hypervisor_hostname"] == host]
    return {k: shown[k] for k in ("vcpus_used", "memory_mb_used", "local_gb_used",
                                  "running_vms")}


def test_a_delete_while_the_guest_moves_gives_the_destination_back(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str]) -> None:
    """Nova's delete destroys the guest under the move, which ends the migration in error,
    and the instance's allocations (the destination's too) go with the instance."""
    server_id = compute.active(member_a)
    key, source = UUID(server_id).hex, compute.instance(server_id).host
    dest = other(source)
    before = usage(compute, dest, admin)
    assert live(compute, admin, server_id, {"host": dest, "block_migration": True}) \
        .status_code == 202
    assert usage(compute, dest, admin) != before  # the destination's claim
    compute.cloud.outcomes.migration_prepared(WORKER, UUID(server_id), TARGET)
    deleted = compute.client.delete(f"/compute/v2.1/servers/{server_id}", headers=auth(admin))
    assert deleted.status_code == 204, deleted.text
    compute.cloud.sync_read_models()
    assert migrations(compute, admin)[0]["status"] == "error"
    # The source's move, stopped by the delete, reports its failure: the delete owns the
    # server now, and then reports the guest destroyed.
    compute.failed(server_id, "live_migrate", ABORTED)
    assert f"{key}:live" in claims(compute, dest), "held until the delete completes"
    compute.deleted(server_id)
    assert not any(c.startswith(key) for c in claims(compute, dest) | claims(compute, source))
    assert usage(compute, dest, admin) == before
    assert migrations(compute, admin) == []  # gone with the instance, as Nova's


def test_a_delete_while_the_destination_prepares_ends_the_move_there(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    key, dest = UUID(server_id).hex, other(compute.instance(server_id).host)
    before = usage(compute, dest, admin)
    assert live(compute, admin, server_id, {"host": dest, "block_migration": True}) \
        .status_code == 202
    assert compute.client.delete(f"/compute/v2.1/servers/{server_id}",
                                 headers=auth(admin)).status_code == 204
    # The destination, busy preparing when the delete came, reports ready: too late.
    compute.cloud.outcomes.migration_prepared(WORKER, UUID(server_id), TARGET)
    compute.cloud.sync_read_models()
    assert "target" not in (compute.instance(server_id).pending or {})
    assert migrations(compute, admin)[0]["status"] == "error"
    compute.deleted(server_id)
    assert f"{key}:live" not in claims(compute, dest)
    assert usage(compute, dest, admin) == before
