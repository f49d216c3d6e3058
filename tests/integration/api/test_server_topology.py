"""GET /servers/{id}/topology (2.78): no guest here has NUMA cells, so Nova's answer for a
non-NUMA instance; Nova's 404 before 2.78 and for another project's server."""

from __future__ import annotations

from tests.support.compute_api import Compute, auth

V21 = "/compute/v2.1"


def test_a_server_without_numa_shows_no_nodes(compute: Compute, member_a: dict[str, str],
                                              member_b: dict[str, str],
                                              admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    path = f"{V21}/servers/{server_id}/topology"
    for who in (member_a, admin):
        shown = compute.client.get(path, headers=auth(who, "2.78"))
        assert shown.status_code == 200, shown.text
        assert shown.json() == {"nodes": [], "pagesize_kb": None}
    assert compute.client.get(path, headers=auth(member_a, "2.77")).status_code == 404
    assert compute.client.get(path, headers=auth(member_b, "2.78")).status_code == 404
    missing = f"{V21}/servers/00000000-0000-0000-0000-000000000000/topology"
    assert compute.client.get(missing, headers=auth(member_a, "2.78")).status_code == 404
