"""Cold migration (`migrate`) and `/os-migrations`, the moves of servers as Nova lists them."""

from __future__ import annotations

from typing import Any

from tests.support.compute_api import Compute, auth, register_host

MIGRATIONS = "/compute/v2.1/os-migrations"


def migrations(compute: Compute, who: dict[str, str], version: str | None = None,
               query: str = "") -> list[dict[str, Any]]:
    response = compute.client.get(f"{MIGRATIONS}{query}", headers=auth(who, version))
    assert response.status_code == 200, response.text
    return list(response.json()["migrations"])


def test_a_cold_migration_moves_the_server_and_is_listed(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    source = compute.instance(server_id).host
    assert compute.action(member_a, server_id, {"migrate": None}).status_code == 403
    assert compute.action(admin, server_id, {"migrate": None}).status_code == 202
    assert compute.show(member_a, server_id)["status"] == "RESIZE"
    compute.cloud.sync_read_models()
    [moving] = migrations(compute, admin, "2.23")
    dest = "host-2" if source == "host-1" else "host-1"
    assert (moving["instance_uuid"], moving["migration_type"], moving["status"]) == (
        server_id, "migration", "migrating")
    assert (moving["source_compute"], moving["dest_compute"], moving["dest_node"]) == (
        source, dest, dest)
    assert moving["old_instance_type_id"] is None and moving["updated_at"] is None
    compute.succeeded(server_id, "resize")
    assert compute.show(member_a, server_id)["status"] == "VERIFY_RESIZE"
    assert migrations(compute, admin)[0]["status"] == "finished"
    assert "migration_type" not in migrations(compute, admin)[0], "from 2.23"
    assert compute.action(member_a, server_id, {"confirmResize": None}).status_code == 204
    compute.succeeded(server_id, "confirm_resize")
    assert compute.instance(server_id).host == dest
    [done] = migrations(compute, admin, "2.59")
    assert done["status"] == "confirmed" and done["updated_at"] and done["uuid"]
    listed = compute.client.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions",
                                headers=auth(admin)).json()["instanceActions"]
    assert [a["action"] for a in listed][:2] == ["confirmResize", "migrate"]


def test_migrate_refusals(compute: Compute, member_a: dict[str, str],
                          admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    missing = compute.action(admin, "6f0c3bb5-62c7-4f5e-8f3a-4b4f6f0a1e2d", {"migrate": None})
    assert missing.status_code == 404
    here = compute.instance(server_id).host
    same = compute.action(admin, server_id, {"migrate": {"host": here}}, "2.56")
    assert same.status_code == 400
    unknown = compute.action(admin, server_id, {"migrate": {"host": "nowhere"}}, "2.56")
    assert unknown.status_code == 400
    assert compute.action(admin, server_id, {"migrate": {"hots": "x"}}, "2.56").status_code == 400
    compute.action(member_a, server_id, {"suspend": None})
    compute.succeeded(server_id, "suspend")
    suspended = compute.action(admin, server_id, {"migrate": None})
    assert suspended.status_code == 409 and "migrate" in suspended.text
    assert compute.instance(server_id).host == here, "nothing was claimed"


def test_no_other_host_is_a_400(compute: Compute, member_a: dict[str, str],
                                admin: dict[str, str]) -> None:
    """The only host of the server's zone is its own: Nova's NoValidHost, and no claim."""
    register_host(compute.cloud, "host-3", zone="solo")
    server_id = compute.active(member_a, availability_zone="solo")
    answer = compute.action(admin, server_id, {"migrate": None})
    assert answer.status_code == 400 and "No valid host" in answer.text
    assert compute.show(member_a, server_id)["status"] == "ACTIVE"
    compute.cloud.sync_read_models()
    assert migrations(compute, admin) == []


def test_resizes_filters_paging_and_deleted_servers(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str]) -> None:
    first, second = compute.active(member_a), compute.active(member_a)
    compute.action(member_a, first, {"resize": {"flavorRef": "2"}})
    compute.succeeded(first, "resize")
    compute.action(member_a, first, {"revertResize": None})
    compute.succeeded(first, "revert_resize")
    compute.action(member_a, second, {"resize": {"flavorRef": "2"}})
    compute.failed(second, "resize", "the disk would not copy")
    listed = migrations(compute, admin, "2.23")
    assert [(m["instance_uuid"], m["status"], m["migration_type"]) for m in listed] == [
        (second, "error", "resize"), (first, "reverted", "resize")], "newest first"
    assert [m["instance_uuid"] for m in migrations(
        compute, admin, query=f"?instance_uuid={first}")] == [first]
    assert [m["status"] for m in migrations(compute, admin, query="?status=error")] == ["error"]
    page = compute.client.get(f"{MIGRATIONS}?limit=1", headers=auth(admin, "2.59")).json()
    assert len(page["migrations"]) == 1 and page["migrations_links"][0]["rel"] == "next"
    marker = page["migrations"][0]["uuid"]
    [rest] = migrations(compute, admin, "2.59", f"?marker={marker}")
    assert rest["instance_uuid"] == first
    bad = compute.client.get(f"{MIGRATIONS}?marker=nope", headers=auth(admin, "2.59"))
    assert bad.status_code == 400
    forbidden = compute.client.get(MIGRATIONS, headers=auth(member_a))
    assert forbidden.status_code == 403
    compute.client.delete(f"/compute/v2.1/servers/{second}", headers=auth(member_a))
    compute.deleted(second)
    assert [m["instance_uuid"] for m in migrations(compute, admin)] == [first]


def test_user_and_project_from_2_80(compute: Compute, member_a: dict[str, str],
                                    member_b: dict[str, str], admin: dict[str, str]) -> None:
    """2.80: who started each migration, as fields and as filters (400 before 2.80, from
    2.59's strict query schema; before 2.59 Nova's schema lets them through as filters)."""
    mine, theirs = compute.active(member_a), compute.active(member_b)
    for who, server_id in ((member_a, mine), (member_b, theirs)):
        compute.action(who, server_id, {"resize": {"flavorRef": "2"}})
        compute.succeeded(server_id, "resize")
    compute.cloud.sync_read_models()
    listed = migrations(compute, admin, "2.80")
    assert {(m["instance_uuid"], m["user_id"], m["project_id"]) for m in listed} == {
        (mine, member_a["user_id"], member_a["project_id"]),
        (theirs, member_b["user_id"], member_b["project_id"])}
    assert "user_id" not in migrations(compute, admin, "2.79")[0]
    by_user = migrations(compute, admin, "2.80", f"?user_id={member_a['user_id']}")
    assert [m["instance_uuid"] for m in by_user] == [mine]
    by_project = migrations(compute, admin, "2.80", f"?project_id={member_b['project_id']}")
    assert [m["instance_uuid"] for m in by_project] == [theirs]
    assert [m["instance_uuid"] for m in migrations(
        compute, admin, "2.1", f"?project_id={member_b['project_id']}")] == [theirs]
    for query in (f"?user_id={member_a['user_id']}", "?xxx=1"):
        refused = compute.client.get(f"{MIGRATIONS}{query}", headers=auth(admin, "2.79"))
        assert refused.status_code == 400, query
        assert refused.headers["OpenStack-API-Version"] == "compute 2.79"
    assert migrations(compute, admin, "2.80", "?user_id=nobody") == []
