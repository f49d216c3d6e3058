"""Booting to a requested host (2.74 `host` / `hypervisor_hostname`, admin only): the scheduler
considers that host alone and still runs its filters; an unknown host is Nova's 400."""

from __future__ import annotations

from uuid import UUID

from tests.support.compute_api import WORKER, Compute, register_host

V274 = "2.74"


def test_the_requested_host_or_node_is_where_the_server_goes(compute: Compute,
                                                            admin: dict[str, str]) -> None:
    for field in ("host", "hypervisor_hostname"):
        for host in ("host-1", "host-2", "host-1"):
            response = compute.boot(admin, V274, networks="none", **{field: host})
            assert response.status_code == 202, response.text
            assert compute.instance(response.json()["server"]["id"]).host == host
    both = compute.boot(admin, V274, networks="none", host="host-2",
                        hypervisor_hostname="host-2")
    assert compute.instance(both.json()["server"]["id"]).host == "host-2"


def test_bad_requests_change_nothing(compute: Compute, admin: dict[str, str],
                                     member_a: dict[str, str]) -> None:
    def refused(who: dict[str, str], version: str, **server: str) -> dict[str, str]:
        response = compute.boot(who, version, networks="none", **server)
        assert response.status_code != 202, server
        return {"status": str(response.status_code), **response.json()}

    before = compute.cloud.app.recorder.max_notification_id()
    missing = refused(admin, V274, host="nowhere")
    assert missing["status"] == "400"
    assert missing["badRequest"]["message"] == "Compute host nowhere could not be found."
    assert refused(admin, V274, hypervisor_hostname="nowhere")["status"] == "400"
    assert refused(admin, V274, host="host-1", hypervisor_hostname="host-2")["status"] == "400"
    assert refused(admin, V274, host="bad host!")["status"] == "400"
    assert refused(admin, "2.73", host="host-1")["status"] == "400"
    assert refused(member_a, V274, host="host-1")["status"] == "403"
    assert refused(member_a, V274, hypervisor_hostname="host-1")["status"] == "403"
    assert compute.cloud.app.recorder.max_notification_id() == before


def test_a_requested_host_that_cannot_take_it_is_no_valid_host(compute: Compute,
                                                               admin: dict[str, str]) -> None:
    register_host(compute.cloud, "tiny", memory_mb=128)
    response = compute.boot(admin, V274, networks="none", host="tiny")
    server_id = response.json()["server"]["id"]
    server = compute.show(admin, server_id)
    assert server["status"] == "ERROR" and "No valid host" in server["fault"]["message"]
    assert compute.instance(server_id).host is None


def test_a_reschedule_stays_on_the_requested_host(compute: Compute,
                                                  admin: dict[str, str]) -> None:
    response = compute.boot(admin, V274, networks="none", host="host-2")
    server_id = response.json()["server"]["id"]
    compute.cloud.outcomes.spawn_failed(WORKER, UUID(server_id), "host-2", "disk on fire")
    compute.cloud.sync_read_models()
    server = compute.show(admin, server_id)
    assert server["status"] == "ERROR" and "No valid host" in server["fault"]["message"]
    unpinned = compute.booted(admin)
    host = compute.instance(unpinned).host
    assert host is not None
    compute.cloud.outcomes.spawn_failed(WORKER, UUID(unpinned), host, "disk on fire")
    assert compute.instance(unpinned).host not in (None, host)
