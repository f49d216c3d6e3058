"""`/servers/{id}/migrations`: a live migration in progress listed and shown (2.23), forced
to complete (2.22) and aborted (2.24; while preparing from 2.65), with Nova's refusals. Here
the tests report the hosts' outcomes; the libvirt job's abort and force-complete are
tests/integration/hypervisor/test_live_migration_steering.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.compute.instance_live_control import ABORTED
from tests.integration.api.test_compute_live_migration import (
    TARGET,
    claims,
    live,
    migrations,
    other,
)
from tests.support.compute_api import WORKER, Compute, auth

NULL_BYTES = dict.fromkeys(f"{kind}_{what}_bytes" for kind in ("memory", "disk")
                           for what in ("processed", "remaining", "total"))


def url(server_id: str, migration_id: object = None) -> str:
    tail = "" if migration_id is None else f"/{migration_id}"
    return f"/compute/v2.1/servers/{server_id}/migrations{tail}"


def force(compute: Compute, who: dict[str, str], server_id: str, migration_id: object,
          version: str = "2.22", body: Any = None) -> Any:
    return compute.client.post(f"{url(server_id, migration_id)}/action",
                               json={"force_complete": None} if body is None else body,
                               headers=auth(who, version))


def abort(compute: Compute, who: dict[str, str], server_id: str, migration_id: object,
          version: str = "2.24") -> Any:
    return compute.client.delete(url(server_id, migration_id), headers=auth(who, version))


def migrating(compute: Compute, who: dict[str, str], admin: dict[str, str]) -> tuple[str, int]:
    server_id = compute.active(who)
    dest = other(compute.instance(server_id).host)
    assert live(compute, admin, server_id, {"host": dest, "block_migration": "auto"}) \
        .status_code == 202
    compute.cloud.sync_read_models()
    return server_id, int(migrations(compute, admin)[0]["id"])


def test_a_running_live_migration_is_listed_shown_and_forced_to_complete(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str]) -> None:
    server_id, mid = migrating(compute, member_a, admin)
    source = compute.instance(server_id).host
    listed = compute.client.get(url(server_id), headers=auth(admin, "2.80")).json()
    [row] = listed["migrations"]
    assert {k: row[k] for k in ("id", "server_uuid", "status", "source_compute")} == {
        "id": mid, "server_uuid": server_id, "status": "preparing", "source_compute": source}
    assert {k: row[k] for k in NULL_BYTES} == NULL_BYTES and {"uuid", "user_id"} <= set(row)
    assert compute.client.get(url(server_id, mid), headers=auth(admin, "2.23")).json()[
        "migration"]["dest_compute"] == other(source)
    listing = compute.client.get("/compute/v2.1/os-migrations", headers=auth(admin, "2.23"))
    assert listing.json()["migrations"][0]["links"][0]["href"].endswith(
        f"/servers/{server_id}/migrations/{mid}")

    assert force(compute, admin, server_id, mid).status_code == 400, "still preparing"
    compute.cloud.outcomes.migration_prepared(WORKER, UUID(server_id), TARGET)
    compute.cloud.sync_read_models()
    assert force(compute, member_a, server_id, mid).status_code == 403
    assert force(compute, admin, server_id, mid).status_code == 202
    assert compute.instance(server_id).pending["force_complete"] is True  # type: ignore[index]
    compute.succeeded(server_id, "live_migrate")  # the source's worker moved it
    assert compute.instance(server_id).host == other(source)
    assert compute.client.get(url(server_id), headers=auth(admin, "2.23")).json() == {
        "migrations": []}
    assert compute.client.get(url(server_id, mid), headers=auth(admin, "2.23")) \
        .status_code == 404
    assert force(compute, admin, server_id, mid).status_code == 409, "no longer migrating"
    actions = compute.client.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions",
                                 headers=auth(admin)).json()["instanceActions"]
    assert "live_migration_force_complete" in [a["action"] for a in actions]


def test_an_abort_is_recorded_and_its_outcome_cancels_the_migration(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str]) -> None:
    server_id, mid = migrating(compute, member_a, admin)
    key, source = UUID(server_id).hex, compute.instance(server_id).host
    assert abort(compute, admin, server_id, mid).status_code == 400, "preparing: from 2.65"
    answer = abort(compute, admin, server_id, mid, "2.65")
    assert answer.status_code == 202 and answer.content == b""
    assert compute.instance(server_id).pending["abort"] is True  # type: ignore[index]
    compute.failed(server_id, "live_migrate", ABORTED)  # what the source's worker reports
    assert compute.show(admin, server_id)["status"] == "ACTIVE"
    assert compute.instance(server_id).host == source
    assert not any(c.startswith(key) for c in claims(compute, other(source)))
    assert migrations(compute, admin)[0]["status"] == "cancelled"
    assert abort(compute, admin, server_id, mid, "2.65").status_code == 409


def test_refusals_of_server_migrations_change_nothing(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str]) -> None:
    server_id, mid = migrating(compute, member_a, admin)
    compute.cloud.outcomes.migration_prepared(WORKER, UUID(server_id), TARGET)
    compute.cloud.sync_read_models()
    idle = compute.active(member_a)
    before = compute.instance(server_id).version
    for response in (
            compute.client.get(url(server_id), headers=auth(admin, "2.22")),  # 404: below 2.23
            compute.client.get(url(server_id, mid), headers=auth(admin, "2.22")),
            force(compute, admin, server_id, mid, "2.21"),
            abort(compute, admin, server_id, mid, "2.23"),
            abort(compute, admin, server_id, mid + 1000),  # not this server's migration
            abort(compute, admin, server_id, "not-a-number"),
            compute.client.get(url(server_id, mid + 1000), headers=auth(admin, "2.23"))):
        assert response.status_code == 404, response.text
    for response in (force(compute, admin, server_id, mid + 1000),  # Nova's 400 here
                     force(compute, admin, server_id, mid, body={"force_complete": 1}),
                     force(compute, admin, server_id, mid, body={"other": None})):
        assert response.status_code == 400, response.text
        assert "badRequest" in response.json()
    assert abort(compute, member_a, server_id, mid).status_code == 403
    assert abort(compute, admin, idle, mid).status_code == 409, "that server is not moving"
    assert compute.client.get(url(server_id, mid), headers=auth(admin, "2.102") | {}) \
        .status_code == 200
    assert compute.client.get(f"{url(server_id)}?x=1", headers=auth(admin, "2.102")) \
        .status_code == 400
    assert compute.instance(server_id).version == before
