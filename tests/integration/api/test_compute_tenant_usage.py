"""`/os-simple-tenant-usage`: usage per project over a period, computed from the events (the
server read model's launch and termination times), deleted servers included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.compute_api import Compute, auth

USAGE = "/compute/v2.1/os-simple-tenant-usage"
FORM = "%Y-%m-%dT%H:%M:%S.%f"


def get(compute: Compute, who: dict[str, str], path: str, expect: int = 200,
        version: str | None = None, **params: str) -> Any:
    response = compute.client.get(f"{USAGE}{path}", params=params, headers=auth(who, version))
    assert response.status_code == expect, response.text
    return response.json()


def window(days: int = 1) -> dict[str, str]:
    now = datetime.now(UTC)
    return {"start": (now - timedelta(days=days)).strftime(FORM),
            "end": (now + timedelta(days=days)).strftime(FORM)}


def test_usage_of_running_and_deleted_servers(compute: Compute, admin: dict[str, str],
                                              member_a: dict[str, str],
                                              member_b: dict[str, str]) -> None:
    kept = compute.active(member_a, name="kept")
    gone = compute.active(member_a, name="gone")
    assert compute.client.delete(f"/compute/v2.1/servers/{gone}",
                                 headers=auth(member_a)).status_code == 204
    compute.deleted(gone)
    compute.active(member_b, name="other")
    listed = get(compute, admin, "", detailed="1", **window())["tenant_usages"]
    by_project = {u["tenant_id"]: u for u in listed}
    assert set(by_project) == {member_a["project_id"], member_b["project_id"]}
    mine = by_project[member_a["project_id"]]
    assert len(mine) == 8 and mine["total_hours"] >= 0
    servers = {s["name"]: s for s in mine["server_usages"]}
    assert set(servers) == {"kept", "gone"}
    assert servers["gone"]["state"] == "terminated" and servers["gone"]["ended_at"]
    assert (servers["kept"]["state"], servers["kept"]["ended_at"]) == ("active", None)
    assert (servers["kept"]["instance_id"], servers["kept"]["vcpus"]) == (kept, 1)
    assert "server_usages" not in get(compute, admin, "", **window())["tenant_usages"][0]
    shown = get(compute, member_a, f"/{member_a['project_id']}", **window())["tenant_usage"]
    assert {s["name"] for s in shown["server_usages"]} == {"kept", "gone"}
    # A period that ended before any server ran: nothing used.
    past = {"start": "2020-01-01T00:00:00", "end": "2020-01-02T00:00:00"}
    assert get(compute, admin, "", **past)["tenant_usages"] == []
    assert get(compute, admin, f"/{member_a['project_id']}", **past) == {"tenant_usage": {}}
    page = get(compute, admin, f"/{member_a['project_id']}", version="2.40", limit="1",
               **window())["tenant_usage"]
    assert len(page["server_usages"]) == 1


def test_refusals(compute: Compute, admin: dict[str, str], member_a: dict[str, str],
                  member_b: dict[str, str]) -> None:
    get(compute, member_a, "", expect=403, **window())
    get(compute, member_b, f"/{member_a['project_id']}", expect=403, **window())
    get(compute, admin, f"/{member_a['project_id']}", expect=400, start="yesterday")
    get(compute, admin, "", expect=400, start="2030-01-01T00:00:00", end="2020-01-01T00:00:00")
    get(compute, admin, "/", expect=404, **window())
