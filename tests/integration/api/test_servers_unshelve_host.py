"""Unshelving to a host and unpinning the zone (2.91): an admin may name the host (only it is
scheduled), a null zone drops the server's own; Nova's refusals change nothing."""

from __future__ import annotations

from tests.integration.api.test_servers_unshelve_zone import offloaded
from tests.support.compute_api import Compute, register_host


def test_unshelve_to_a_host_from_2_91(compute: Compute, member_a: dict[str, str],
                                      admin: dict[str, str]) -> None:
    register_host(compute.cloud, "host-3", zone="az-2")
    server_id = offloaded(compute, member_a)  # pinned to "nova" (host-1, host-2)
    before = compute.cloud.app.recorder.max_notification_id()
    refusals = ((member_a, {"host": "host-2"}, "2.91", 403),
                (admin, {"host": "host-2"}, "2.90", 400),
                (admin, {"host": "nowhere"}, "2.91", 400),
                (admin, {"host": "host-3"}, "2.91", 409),  # not in the server's zone
                (admin, {"host": "host-1", "availability_zone": "az-2"}, "2.91", 409),
                (admin, {"host": "host-1", "extra": 1}, "2.91", 400))
    for who, body, version, code in refusals:
        response = compute.action(who, server_id, {"unshelve": body}, version)
        assert response.status_code == code, (body, version, response.text)
    assert compute.cloud.app.recorder.max_notification_id() == before
    to_host = compute.action(admin, server_id, {"unshelve": {"host": "host-2"}}, "2.91")
    assert to_host.status_code == 202, to_host.text
    assert to_host.headers["OpenStack-API-Version"] == "compute 2.91"
    assert compute.instance(server_id).pending["host"] == "host-2"  # type: ignore[index]
    assert compute.instance(server_id).availability_zone == "nova"


def test_a_null_zone_unpins_the_server(compute: Compute, member_a: dict[str, str],
                                       admin: dict[str, str]) -> None:
    register_host(compute.cloud, "host-3", zone="az-2")
    server_id = offloaded(compute, member_a)
    unpinned = compute.action(admin, server_id, {"unshelve": {"availability_zone": None,
                                                              "host": "host-3"}}, "2.91")
    assert unpinned.status_code == 202, unpinned.text
    assert compute.instance(server_id).pending["host"] == "host-3"  # type: ignore[index]
    assert compute.instance(server_id).availability_zone is None
    compute.succeeded(server_id, "unshelve")
    shown = compute.show(member_a, server_id, "2.91")
    assert (shown["status"], shown["OS-EXT-AZ:availability_zone"]) == ("ACTIVE", "az-2")
    active = compute.active(member_a)
    refused = compute.action(admin, active, {"unshelve": {"availability_zone": None}}, "2.91")
    assert refused.status_code == 409
    assert compute.action(member_a, server_id, {"unshelve": None}, "2.91").status_code == 409
