"""Block Storage's admin views of its volume services: os-services (up from heartbeats, enable
and disable), get_pools, os-hosts, the availability zones and extensions; and a type naming a
backend placing its volumes on that backend's host."""

from __future__ import annotations

from typing import Any

from domain.context import RequestContext
from domain.services.storage.hosts import Capacity
from ops.bootstrap import Cloud
from tests.support.compute_api import auth
from tests.support.volumes_api import Volumes, project_of

WORKER = RequestContext(user_id="volume:vol-1")


def register(cloud: Cloud, host: str = "vol-1", backend: str = "fast") -> None:
    cloud.volume_hosts.register(WORKER, host, backend, "nova", Capacity(100.0, 80.5))
    cloud.sync_read_models()


def get(volumes: Volumes, who: dict[str, str], path: str, **params: Any) -> Any:
    response = volumes.client.get(volumes.url(who, path), headers=auth(who), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def put(volumes: Volumes, who: dict[str, str], path: str, body: Any) -> Any:
    return volumes.client.put(volumes.url(who, path), headers=auth(who), json=body)


def test_services_are_listed_up_and_can_be_disabled(cloud: Cloud, volumes: Volumes,
                                                    admin: dict[str, str],
                                                    member_a: dict[str, str]) -> None:
    assert get(volumes, admin, "os-services") == {"services": []}
    register(cloud)
    (service,) = get(volumes, admin, "os-services")["services"]
    assert (service["binary"], service["host"], service["state"], service["status"]) == (
        "cinder-volume", "vol-1@fast", "up", "enabled")
    assert get(volumes, admin, "os-services", host="vol-1", binary="cinder-volume")[
        "services"] and not get(volumes, admin, "os-services", host="other")["services"]
    assert volumes.client.get(volumes.url(member_a, "os-services"),
                              headers=auth(member_a)).status_code == 403

    disabled = put(volumes, admin, "os-services/disable-log-reason",
                   {"host": "vol-1@fast", "binary": "cinder-volume", "disabled_reason": "disk"})
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled"] is True and disabled.json()["disabled_reason"] == "disk"
    (service,) = get(volumes, admin, "os-services")["services"]
    assert (service["status"], service["disabled_reason"]) == ("disabled", "disk")
    enabled = put(volumes, admin, "os-services/enable", {"host": "vol-1", "binary":
                                                         "cinder-volume"})
    assert enabled.json()["status"] == "enabled"
    for path, body, status in (
            ("os-services/enable", {"host": "nowhere", "binary": "cinder-volume"}, 404),
            ("os-services/disable", {"host": "vol-1", "binary": "nova-compute"}, 404),
            ("os-services/disable-log-reason", {"host": "vol-1", "binary": "cinder-volume",
                                                "disabled_reason": None}, 400),
            ("os-services/freeze", {"host": "nowhere"}, 400)):
        assert put(volumes, admin, path, body).status_code == status, path


def test_pools_hosts_zones_and_extensions(cloud: Cloud, volumes: Volumes,
                                          admin: dict[str, str],
                                          member_a: dict[str, str]) -> None:
    register(cloud)
    assert get(volumes, admin, "scheduler-stats/get_pools") == {"pools": [
        {"name": "vol-1@fast#fast"}]}
    (pool,) = get(volumes, admin, "scheduler-stats/get_pools", detail="True")["pools"]
    assert pool["capabilities"]["total_capacity_gb"] == 100.0
    assert pool["capabilities"]["volume_backend_name"] == "fast"
    (host,) = get(volumes, admin, "os-hosts")["hosts"]
    assert (host["host_name"], host["service-status"]) == ("vol-1@fast", "available")
    assert get(volumes, member_a, "os-availability-zone") == {"availabilityZoneInfo": [
        {"zoneName": "nova", "zoneState": {"available": True}}]}
    aliases = [e["alias"] for e in get(volumes, member_a, "extensions")["extensions"]]
    assert "os-volume-type-access" in aliases and "os-hosts" in aliases
    capabilities = get(volumes, admin, "capabilities/vol-1@fast")
    assert (capabilities["volume_backend_name"], capabilities["pool_name"]) == ("fast", "fast")
    assert volumes.client.get(volumes.url(admin, "capabilities/nowhere"),
                              headers=auth(admin)).status_code == 404


def test_a_backend_name_places_volumes_on_that_backend(cloud: Cloud, volumes: Volumes,
                                                      admin: dict[str, str],
                                                      member_a: dict[str, str]) -> None:
    register(cloud, "vol-1", "fast")
    for name, backend in (("fast", "fast"), ("tape", "tape")):
        made = volumes.client.post(volumes.url(admin, "types"), headers=auth(admin), json={
            "volume_type": {"name": name, "extra_specs": {"volume_backend_name": backend}}})
        assert made.status_code == 200, made.text
    placed = volumes.made(member_a, volume_type="fast")
    assert volumes.aggregate(placed).host == "vol-1"
    assert volumes.show(admin, placed)["os-vol-host-attr:host"] == "vol-1@fast#fast"
    nowhere = volumes.made(member_a, volume_type="tape")
    assert volumes.show(member_a, nowhere)["status"] == "error"  # Cinder's "No valid backend"
    put(volumes, admin, "os-services/disable", {"host": "vol-1", "binary": "cinder-volume"})
    cloud.sync_read_models()
    disabled = volumes.made(member_a, volume_type="fast")
    assert volumes.show(member_a, disabled)["status"] == "error"


def test_capability_specs_must_match_the_pools(cloud: Cloud, volumes: Volumes,
                                               admin: dict[str, str],
                                               member_a: dict[str, str]) -> None:
    """Cinder's CapabilitiesFilter: a type asking for another vendor or protocol finds no
    backend, one asking for what the pools report does."""
    for name, protocol in (("iscsi", "iSCSI"), ("files", "file")):
        made = volumes.client.post(volumes.url(admin, "types"), headers=auth(admin), json={
            "volume_type": {"name": name, "extra_specs": {"storage_protocol": protocol,
                                                          "vendor_name": "Open Source"}}})
        assert made.status_code == 200, made.text
    assert volumes.show(member_a, volumes.made(member_a, volume_type="iscsi"))[
        "status"] == "error"
    assert volumes.show(member_a, volumes.made(member_a, volume_type="files"))[
        "status"] == "creating"


def test_a_volume_hosts_use_per_project(cloud: Cloud, volumes: Volumes, admin: dict[str, str],
                                        member_a: dict[str, str]) -> None:
    """Cinder's `os-hosts/{host}`: an enabled volume service's volumes and snapshots."""
    host = cloud.settings.host  # where volumes of no backend's type go
    register(cloud, host=host, backend="fast")
    volume_id = volumes.ready(member_a, size=2)
    volumes.ready(member_a, size=3)
    volumes.ready(admin, size=1)
    snapshot = volumes.client.post(
        volumes.url(member_a, "snapshots"), headers=auth(member_a),
        json={"snapshot": {"volume_id": volume_id, "name": "s"}})
    assert snapshot.status_code == 202, snapshot.text
    cloud.sync_read_models()
    rows = [r["resource"] for r in get(volumes, admin, f"os-hosts/{host}@fast")["host"]]
    admin_project, project = project_of(cloud, admin), member_a["project_id"]
    assert rows[0] == {"host": f"{host}@fast", "project": "(total)", "volume_count": "3",
                       "total_volume_gb": "6", "snapshot_count": "1", "total_snapshot_gb": "2"}
    assert {r["project"]: (r["volume_count"], r["total_volume_gb"], r["snapshot_count"])
            for r in rows[1:]} == {project: ("2", "5", "1"), admin_project: ("1", "1", "0")}
    for missing in (host, "nowhere@fast"):
        assert volumes.client.get(volumes.url(admin, f"os-hosts/{missing}"),
                                  headers=auth(admin)).status_code == 404
    assert volumes.client.get(volumes.url(member_a, f"os-hosts/{host}@fast"),
                              headers=auth(member_a)).status_code == 403
    cloud.volume_hosts.disable(WORKER, host, None)  # Cinder shows enabled services only
    cloud.sync_read_models()
    assert volumes.client.get(volumes.url(admin, f"os-hosts/{host}@fast"),
                              headers=auth(admin)).status_code == 404
