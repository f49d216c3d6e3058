"""The control services of the API process (Nova's nova-scheduler and nova-conductor, Cinder's
cinder-scheduler) beside the workers' services: listed by both `/os-services` and `/os-hosts`
and in Nova's internal zone, up or down by the age of the API process's beat, never updatable
through Nova's API, and never a place for an instance or a volume."""

from __future__ import annotations

import time
from typing import Any

from domain.context import RequestContext
from domain.services.control_services import ControlServices
from ops.bootstrap import Cloud
from ops.embedded import start_control_heartbeat
from ops.roles.control import ControlHost, control_zones
from projections.control_services import ControlServiceViews
from tests.support.compute_api import Compute, auth
from tests.support.volumes_api import Volumes

V21 = "/compute/v2.1"


def beat(cloud: Cloud, host: str = "ctl-1") -> None:
    """One beat of the API process's control services on `host`, as its thread does."""
    ControlHost(ControlServices(cloud.app), host, control_zones("nova"), interval=10.0,
                check=cloud.capacity.hosts).beat_once()
    cloud.sync_read_models()


def get(compute: Compute, who: dict[str, str], path: str, version: str | None = None,
        **params: Any) -> Any:
    response = compute.client.get(f"{V21}{path}", headers=auth(who, version), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def put(compute: Compute, who: dict[str, str], path: str, body: Any,
        version: str | None = None) -> Any:
    return compute.client.put(f"{V21}{path}", headers=auth(who, version), json=body)


def test_compute_services_hosts_and_zones(compute: Compute, admin: dict[str, str],
                                          member_a: dict[str, str]) -> None:
    cloud = compute.cloud
    assert {s["binary"] for s in get(compute, admin, "/os-services")["services"]} == {
        "nova-compute"}
    beat(cloud)
    services = get(compute, admin, "/os-services", version="2.11")["services"]
    assert [(s["binary"], s["host"], s["zone"], s["state"], s["status"]) for s in services] == [
        ("nova-compute", "host-1", "nova", "up", "enabled"),
        ("nova-compute", "host-2", "nova", "up", "enabled"),
        ("nova-scheduler", "ctl-1", "internal", "up", "enabled"),
        ("nova-conductor", "ctl-1", "internal", "up", "enabled")]
    assert len({s["id"] for s in services}) == 4 and all(isinstance(s["id"], int)
                                                         for s in services)
    assert services[2]["forced_down"] is False and services[2]["updated_at"]
    only = get(compute, admin, "/os-services", binary="nova-scheduler")["services"]
    assert [(s["binary"], s["host"]) for s in only] == [("nova-scheduler", "ctl-1")]
    on_host = get(compute, admin, "/os-services", host="ctl-1")["services"]
    assert sorted(s["binary"] for s in on_host) == ["nova-conductor", "nova-scheduler"]
    assert get(compute, admin, "/os-services", host="ctl-1", binary="nova-compute")[
        "services"] == []

    hosts = get(compute, admin, "/os-hosts")["hosts"]
    assert hosts == [{"host_name": "host-1", "service": "compute", "zone": "nova"},
                     {"host_name": "host-2", "service": "compute", "zone": "nova"},
                     {"host_name": "ctl-1", "service": "scheduler", "zone": "internal"},
                     {"host_name": "ctl-1", "service": "conductor", "zone": "internal"}]
    assert len(get(compute, admin, "/os-hosts", zone="internal")["hosts"]) == 2
    assert len(get(compute, admin, "/os-hosts", zone="nova")["hosts"]) == 2
    # A host with no compute service has no capacity to show (Nova's ComputeHostNotFound).
    assert compute.client.get(f"{V21}/os-hosts/ctl-1", headers=admin).status_code == 404

    detail = get(compute, admin, "/os-availability-zone/detail")["availabilityZoneInfo"]
    internal = next(z for z in detail if z["zoneName"] == "internal")
    assert internal["zoneState"] == {"available": True}
    assert sorted(internal["hosts"]["ctl-1"]) == ["nova-conductor", "nova-scheduler"]
    assert internal["hosts"]["ctl-1"]["nova-scheduler"]["available"] is True
    nova = next(z for z in detail if z["zoneName"] == "nova")
    assert sorted(nova["hosts"]) == ["host-1", "host-2"]
    listed = get(compute, member_a, "/os-availability-zone")["availabilityZoneInfo"]
    assert [z["zoneName"] for z in listed] == ["nova"]  # Nova hides its internal zone

    # The scheduler and hypervisors know only the compute hosts.
    assert sorted(cloud.capacity.hosts()) == ["host-1", "host-2"]
    assert len(get(compute, admin, "/os-hypervisors")["hypervisors"]) == 2
    for _ in range(3):
        assert compute.instance(compute.booted(member_a)).host in ("host-1", "host-2")


def test_state_is_the_age_of_the_beat(compute: Compute, admin: dict[str, str]) -> None:
    cloud = compute.cloud
    beat(cloud)
    settings = cloud.settings
    cloud.settings = settings.model_copy(update={"service_down_time": 0.0})  # all beats too old
    try:
        services = get(compute, admin, "/os-services", binary="nova-scheduler")["services"]
        assert services[0]["state"] == "down"
        detail = get(compute, admin, "/os-availability-zone/detail")["availabilityZoneInfo"]
        internal = next(z for z in detail if z["zoneName"] == "internal")
        assert internal["hosts"]["ctl-1"]["nova-conductor"]["available"] is False
    finally:
        cloud.settings = settings
    assert get(compute, admin, "/os-services", binary="nova-scheduler")["services"][0][
        "state"] == "up"


def test_only_nova_compute_can_be_updated(compute: Compute, admin: dict[str, str]) -> None:
    cloud = compute.cloud
    beat(cloud)
    head = cloud.app.head()
    message = ("Updating a nova-scheduler service is not supported. Only nova-compute services "
               "can be updated.")
    for action, body in (("disable", {}), ("enable", {}),
                         ("disable-log-reason", {"disabled_reason": "why"})):
        refused = put(compute, admin, f"/os-services/{action}",
                      {"host": "ctl-1", "binary": "nova-scheduler", **body})
        assert refused.status_code == 400 and message in refused.text, refused.text
    refused = put(compute, admin, "/os-services/force-down",
                  {"host": "ctl-1", "binary": "nova-scheduler", "forced_down": True}, "2.11")
    assert refused.status_code == 400 and message in refused.text, refused.text
    (scheduler,) = get(compute, admin, "/os-services", version="2.53",
                       binary="nova-scheduler")["services"]
    for body in ({"status": "disabled"}, {"forced_down": True}):
        refused = put(compute, admin, f"/os-services/{scheduler['id']}", body, "2.53")
        assert refused.status_code == 400 and message in refused.text, refused.text
    assert cloud.app.head() == head  # nothing recorded
    assert put(compute, admin, "/os-services/disable",
               {"host": "nowhere", "binary": "nova-compute"}).status_code == 404


def test_volume_services_and_hosts(compute: Compute, volumes: Volumes,
                                   admin: dict[str, str]) -> None:
    cloud = compute.cloud
    beat(cloud)
    response = volumes.client.get(volumes.url(admin, "os-services"), headers=auth(admin))
    (scheduler,) = response.json()["services"]
    assert scheduler == {"binary": "cinder-scheduler", "host": "ctl-1", "zone": "nova",
                         "status": "enabled", "state": "up",
                         "updated_at": scheduler["updated_at"], "disabled_reason": None}
    for params, count in (({"binary": "cinder-scheduler"}, 1), ({"host": "ctl-1"}, 1),
                          ({"binary": "cinder-volume"}, 0), ({"host": "ctl-1@fast"}, 0)):
        listed = volumes.client.get(volumes.url(admin, "os-services"), headers=auth(admin),
                                    params=params).json()["services"]
        assert len(listed) == count, params
    (host,) = volumes.client.get(volumes.url(admin, "os-hosts"),
                                 headers=auth(admin)).json()["hosts"]
    assert (host["host_name"], host["service"], host["zone"], host["service-status"],
            host["service-state"]) == ("ctl-1", "cinder-scheduler", "nova", "available",
                                       "enabled")
    # The volume zones are the volume services' (none registered here), not the scheduler's.
    zones = volumes.client.get(volumes.url(admin, "os-availability-zone"),
                               headers=auth(admin)).json()["availabilityZoneInfo"]
    assert zones == [{"zoneName": "nova", "zoneState": {"available": False}}]


def test_the_api_process_beats_until_it_stops(cloud: Cloud) -> None:
    """The thread `skyledger serve` starts beats for the three services of its host; a second
    API process of the same host that beats within half an interval adds no beat."""
    running = start_control_heartbeat(cloud)
    views = ControlServiceViews(cloud.store)
    deadline = time.monotonic() + 30.0
    try:
        while len(views.all()) < 3:  # until the thread's first beat is in the read model
            assert time.monotonic() < deadline, "no beat recorded"
            cloud.sync_read_models()
    finally:
        running.stop()
    assert not running.running
    rows = views.all()
    assert {(r["host"], r["binary"], r["zone"]) for r in rows} == {
        (cloud.settings.host, "nova-scheduler", "internal"),
        (cloud.settings.host, "nova-conductor", "internal"),
        (cloud.settings.host, "cinder-scheduler", cloud.settings.availability_zone)}
    head = cloud.app.head()
    ControlServices(cloud.app).beat(RequestContext(user_id="control:other"), cloud.settings.host,
                                    control_zones(cloud.settings.availability_zone),
                                    fresh_for=3600.0)
    assert cloud.app.head() == head
