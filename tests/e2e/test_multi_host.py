"""Several hosts, one PostgreSQL: the API, three compute hosts and a storage host as separate
OS processes (tests/e2e/multi_host.py), driven through the REST API as an operator and a project
member would. Thirty boots spread over the three hypervisors and all reach ACTIVE; a compute
worker stopped with SIGTERM makes its host `down` in os-services and os-hypervisors once its
heartbeat is older than SKYLEDGER_SERVICE_DOWN_TIME, and later boots go to the other two.

The hypervisors are libvirt's test driver (`test:///default`): each worker process has its own
in-memory one of 16 vCPUs and 3 GiB, whose guests have no host-side NICs. The boots therefore
need no network agent (ports and addresses are claimed by the API, the segmentation id read from
the events; the agent only builds host interfaces, which a test must do in namespaces of its
own: tests/integration/crash/test_network_agent_kill.py and test_real_guest_network.py run it
as a process there).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from openstack.connection import Connection

from tests.e2e.multi_host import Deployment
from tests.support.disk_images import tiny_qcow2
from tests.support.real_guest import new_member
from tests.support.waiting import wait_for

COMPUTE = "/compute/v2.1"
MICROVERSION = {"X-OpenStack-Nova-API-Version": "2.37"}  # networks "auto"
HYPERVISORS = ("hv1", "hv2", "hv3")
STORAGE = "storage1"
STOPPED = "hv2"
BOOTS, MORE_BOOTS = 30, 6
CLIENTS = 6  # boot requests in flight at once, as a script booting in parallel sends them
# Fast liveness for the test; the defaults (10 s / 60 s) keep the same 1:6 ratio.
REPORT_INTERVAL_S, DOWN_TIME_S = 1.0, 6.0
TIMEOUT_S = 40.0


@pytest.fixture
def deployment(pg_schema_url: str, tmp_path: Path) -> Iterator[Deployment]:
    timing = {"SKYLEDGER_REPORT_INTERVAL": f"{REPORT_INTERVAL_S:g}",
              "SKYLEDGER_SERVICE_DOWN_TIME": f"{DOWN_TIME_S:g}"}
    running = Deployment(tmp_path, pg_schema_url, timing)
    try:
        running.start_api(STORAGE)
        for host in HYPERVISORS:
            running.start_host("compute", host)
        running.start_host("volume", STORAGE)
        yield running
    finally:
        running.close()


def client(base_url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"X-Auth-Token": token, **MICROVERSION},
                        timeout=30)


def by_host(admin: httpx.Client, path: str, key: str) -> dict[str, dict[str, Any]]:
    """os-services (its nova-compute services) or os-hypervisors/detail, keyed by host name."""
    name = "host" if key == "services" else "hypervisor_hostname"
    response = admin.get(f"{COMPUTE}/{path}")
    assert response.status_code == 200, response.text
    return {row[name]: row for row in response.json()[key]
            if row.get("binary", "nova-compute") == "nova-compute"}


def states(admin: httpx.Client) -> dict[str, tuple[str, str]]:
    """Each host's (service state, hypervisor state)."""
    services = by_host(admin, "os-services", "services")
    hypervisors = by_host(admin, "os-hypervisors", "hypervisors")
    return {h: (services[h]["state"], hypervisors[h]["state"]) for h in services}


def server(flavor: str, image: str, **extra: Any) -> dict[str, Any]:
    return {"server": {"name": f"mh-{uuid.uuid4().hex[:6]}", "flavorRef": flavor,
                       "imageRef": image, "networks": "auto", **extra}}


def boot(member: httpx.Client, flavor: str, image: str, count: int) -> list[str]:
    """`count` requests for one server each, CLIENTS of them in flight at once."""
    def one(_n: int) -> str:
        response = member.post(f"{COMPUTE}/servers", json=server(flavor, image))
        assert response.status_code == 202, response.text
        return str(response.json()["server"]["id"])

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(one, range(count)))


def boot_many(member: httpx.Client, flavor: str, image: str, count: int) -> list[str]:
    """One request for `count` servers (the ids come back from the reservation's list)."""
    response = member.post(f"{COMPUTE}/servers", json=server(
        flavor, image, min_count=count, max_count=count, return_reservation_id=True))
    assert response.status_code == 202, response.text
    reservation = response.json()["reservation_id"]
    listed = member.get(f"{COMPUTE}/servers", params={"reservation_id": reservation})
    assert listed.status_code == 200, listed.text
    ids = [str(s["id"]) for s in listed.json()["servers"]]
    assert len(ids) == count, listed.text
    return ids


def wait_active(admin: httpx.Client, ids: list[str], logs: Callable[[], str]) -> dict[str, str]:
    """Each server's host, once every one of them is ACTIVE (an ERROR fails at once)."""
    wanted = set(ids)

    def hosts() -> dict[str, str] | None:
        response = admin.get(f"{COMPUTE}/servers/detail", params={"all_tenants": "1"})
        assert response.status_code == 200, response.text
        ours = [s for s in response.json()["servers"] if s["id"] in wanted]
        assert not [s for s in ours if s["status"] == "ERROR"], (ours, logs())
        if len(ours) == len(wanted) and all(s["status"] == "ACTIVE" for s in ours):
            return {s["id"]: s["OS-EXT-SRV-ATTR:host"] for s in ours}
        return None

    return wait_for(hosts, f"{len(ids)} servers to be ACTIVE", TIMEOUT_S, logs)


@dataclass
class Cloud:
    """The admin and a project member, each with an httpx client, and what the member boots."""

    admin: httpx.Client
    member: httpx.Client
    admin_project: str
    project: str
    flavor: str = ""
    image: str = ""

    def boot(self, count: int, logs: Callable[[], str], one_request: bool = False,
             ) -> dict[str, str]:
        how = boot_many if one_request else boot
        return wait_active(self.admin, how(self.member, self.flavor, self.image, count), logs)


@pytest.fixture
def cloud(deployment: Deployment) -> Iterator[Cloud]:
    assert deployment.api is not None
    with deployment.api.connect() as sdk:
        # A flavor small enough for 36 guests on three 3 GiB test hypervisors (RAM ratio 1.5
        # -> 36 per host); m1.tiny (512 MiB) would fit only 27.
        flavor = sdk.compute.create_flavor(name="m1.nano", ram=128, vcpus=1, disk=1)
        image = sdk.image.create_image(name="mh-guest", data=tiny_qcow2(b"guest"),
                                       disk_format="qcow2",
                                       container_format="bare", visibility="public")
        conn, _user, project = new_member(deployment.api, sdk, "multi")
        with conn, client(deployment.api.url, token(sdk)) as admin, \
                client(deployment.api.url, token(conn)) as member:
            quota = admin.put(f"{COMPUTE}/os-quota-sets/{project.id}",
                              json={"quota_set": {"instances": 50, "cores": 50}})
            assert quota.status_code == 200, quota.text
            yield Cloud(admin, member, str(sdk.current_project_id), str(project.id),
                        str(flavor.id), str(image.id))


def token(conn: Connection) -> str:
    return str(conn.session.get_auth_headers()["X-Auth-Token"])


def test_boots_spread_over_hosts_and_avoid_a_stopped_one(deployment: Deployment,
                                                          cloud: Cloud) -> None:
    admin, logs = cloud.admin, deployment.logs
    wait_for(lambda: states(admin) == dict.fromkeys(HYPERVISORS, ("up", "up")),
             "the three compute hosts to register and be up", TIMEOUT_S, logs)

    # Scheduler settings left at their defaults, as an operator with equal hosts would: the
    # RAM weigher (multiplier 1.0) scores a host by its free fraction, so each boot goes to the
    # emptiest host (ties by name), and boots of one project queue on its quota ledger, each
    # seeing the claims before it. Hence a round robin, even with CLIENTS requests in flight
    # (SKYLEDGER_SCHEDULER_HOST_SUBSET_SIZE only matters for many projects booting at once).
    placed = Counter(cloud.boot(BOOTS, logs).values())
    assert set(placed) == set(HYPERVISORS), placed
    assert max(placed.values()) - min(placed.values()) <= 1, placed
    assert running_vms(admin) == placed
    volume_made_by_the_storage_host(cloud, logs)

    assert deployment.stop_host(STOPPED) == 0, logs()
    assert "stopped at position" in deployment.log(STOPPED).read_text()
    wait_for(lambda: states(admin)[STOPPED] == ("down", "down"),
             f"{STOPPED} to be reported down", DOWN_TIME_S + TIMEOUT_S, logs)
    assert all(states(admin)[h] == ("up", "up") for h in HYPERVISORS if h != STOPPED)

    # One request for several servers is weighed server by server too, so it is shared.
    later = Counter(cloud.boot(MORE_BOOTS, logs, one_request=True).values())
    assert later == {h: MORE_BOOTS // 2 for h in HYPERVISORS if h != STOPPED}
    assert running_vms(admin) == placed + later
    assert deployment.tracebacks() == []


def volume_made_by_the_storage_host(cloud: Cloud, logs: Callable[[], str]) -> None:
    """The storage host's worker, a process of its own, makes the volumes the API records."""
    created = cloud.member.post(f"/volume/v3/{cloud.project}/volumes",
                                json={"volume": {"size": 1, "name": "mh-vol"}})
    assert created.status_code == 202, created.text
    # The admin reads it under the admin's own project, as Cinder's paths want.
    url = f"/volume/v3/{cloud.admin_project}/volumes/{created.json()['volume']['id']}"
    wait_for(lambda: cloud.admin.get(url).json()["volume"]["status"] == "available",
             "the volume to be made by the storage host's worker", TIMEOUT_S, logs)
    # Cinder's host@backend#pool: the storage host's own name before the @.
    host = cloud.admin.get(url).json()["volume"]["os-vol-host-attr:host"]
    assert host.split("@")[0] == STORAGE, host


def running_vms(admin: httpx.Client) -> Counter[str]:
    hypervisors = by_host(admin, "os-hypervisors/detail", "hypervisors")
    return Counter({h: row["running_vms"] for h, row in hypervisors.items()})
