"""Fixtures for tests that drive the composed cloud, its API in-process and its CLI; and the
ones several directories share: a compute fleet (compute/, faults/, crash/), libvirtd with test
driver and QEMU guests and a QEMU storage pool (hypervisor/, storage/, compute/, faults/, crash/),
and network namespaces playing a host (network/, crash/)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from adapters.hypervisor.libvirt_driver import LibvirtHypervisor
from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.compute.backends import KernelBoot
from tests.support.hypervisor import (
    QEMU_URI,
    TEST_URI,
    Guests,
    missing_capability,
    pool_backend,
    run_script,
    write_node_file,
)
from tests.support.network_namespaces import Host, Namespaces, connect, ip

# The composed cloud, its API and the helpers built on them are imported by the fixtures that
# use them: importing the API takes seconds here and minutes in a test host (tests/hosts/),
# where the network tests that need none of it run.
if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from ops.bootstrap import Cloud
    from tests.support.cli import History
    from tests.support.compute_api import Compute
    from tests.support.fleet import Fleet
    from tests.support.volumes_api import Volumes


@pytest.fixture
def cloud(database_url: str, tmp_path: Path) -> Iterator[Cloud]:
    from ops.bootstrap import build
    from ops.first_start import ensure_bootstrapped
    from tests.support.settings import make_settings

    cloud = build(make_settings(tmp_path / "data", database_url), follow=False)
    ensure_bootstrapped(cloud)
    yield cloud
    cloud.close()


@pytest.fixture
def client(cloud: Cloud) -> Iterator[TestClient]:
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(cloud)) as test_client:
        yield test_client


@pytest.fixture
def admin(client: TestClient) -> dict[str, str]:
    """Headers of the bootstrap admin, scoped to the admin project."""
    from tests.support.identity import password_token

    return {"X-Auth-Token": password_token(client, "admin", "admin-secret", "admin")}


@pytest.fixture
def member_a(cloud: Cloud, client: TestClient) -> dict[str, str]:
    from tests.support.identity import make_member, password_token

    ids = make_member(cloud, "project-a", "alice")
    ids["token"] = password_token(client, "alice", ids["password"], "project-a")
    return ids


@pytest.fixture
def member_b(cloud: Cloud, client: TestClient) -> dict[str, str]:
    from tests.support.identity import make_member, password_token

    ids = make_member(cloud, "project-b", "bob")
    ids["token"] = password_token(client, "bob", ids["password"], "project-b")
    return ids


@pytest.fixture
def compute(cloud: Cloud, client: TestClient) -> Compute:
    from tests.support.compute_api import Compute, make_image, register_host

    register_host(cloud, "host-1")
    register_host(cloud, "host-2")
    image = make_image(cloud)
    cloud.sync_read_models()
    return Compute(cloud, client, image)


@pytest.fixture
def volumes(cloud: Cloud, client: TestClient) -> Volumes:
    from tests.support.volumes_api import Volumes

    return Volumes(cloud, client)


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
        ) -> Iterator[dict[str, str]]:
    """The CLI's SKYLEDGER_* environment, set for the test: the `cloud` fixture's store."""
    from adapters.persistence import Database
    from projections.scratch import ScratchSpace, scratch_labels
    from tests.support.cli import cli_env

    values = cli_env(database_url, tmp_path)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    yield values
    database = Database(database_url)
    if database.is_postgres:  # SQLite's scratch files go with tmp_path
        for label in scratch_labels(database, "replay"):
            ScratchSpace(database, label).drop()


@pytest.fixture
def history(compute: Compute, member_a: dict[str, str], admin: dict[str, str],
            env: dict[str, str]) -> History:
    """What the replay, diff and query tests look back on (tests/support/cli.py)."""
    from tests.support.cli import History
    from tests.support.compute_api import SERVERS, auth

    first, second = compute.active(member_a, name="web-1"), compute.active(member_a, name="web-2")
    compute.cloud.sync_read_models()
    at, position = datetime.now(UTC), compute.cloud.app.head()
    third, fourth = compute.active(member_a, name="web-3"), compute.active(member_a, name="web-4")
    response = compute.client.delete(f"{SERVERS}/{first}", headers=auth(member_a))
    assert response.status_code == 204, response.text
    compute.deleted(first)
    quota = compute.client.put(f"/compute/v2.1/os-quota-sets/{member_a['project_id']}",
                               json={"quota_set": {"instances": 7, "cores": 9}}, headers=admin)
    assert quota.status_code == 200, quota.text
    compute.cloud.sync_read_models()
    return History(compute, member_a, at, position, [first, second], [second, third, fourth],
                   first, [third, fourth])


# -- compute fleet -------------------------------------------------------------------------------
@pytest.fixture
def compute_cloud(database_url: str, tmp_path: Path) -> Iterator[Cloud]:
    """A composed cloud without the first-start bootstrap (the `cloud` fixture's): the compute
    tests make their own flavors and images."""
    from ops.bootstrap import build
    from tests.support.settings import make_settings

    cloud = build(make_settings(tmp_path / "data", database_url, service_down_time=60.0),
                  follow=False)
    yield cloud
    cloud.close()


@pytest.fixture
def fleet(compute_cloud: Cloud, tmp_path: Path) -> Iterator[Fleet]:
    from tests.support.fleet import Fleet

    made = Fleet(compute_cloud, tmp_path)
    made.seed()
    yield made
    made.close()


# -- libvirt -------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def libvirtd() -> None:
    """libvirtd running (ops/setup-libvirtd is a no-op when it already is): for URIs whose
    guests outlive the process that made them, test+unix:///default and qemu:///system."""
    reason = missing_capability()
    if reason is not None:
        pytest.skip(reason)
    run_script("setup-libvirtd")


@pytest.fixture(params=["default", "node-file"])
def test_driver(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LibvirtHypervisor]:
    """The adapter on libvirt's in-process test driver, shared state or a fresh node file."""
    if request.param == "default":
        uri = TEST_URI
    else:
        uri = f"test://{write_node_file(tmp_path, vcpus=4, memory_mib=8192)}"
    with LibvirtHypervisor(uri, tmp_path / "instances", disk_gib=100) as hypervisor:
        yield hypervisor


@pytest.fixture
def guests(test_driver: LibvirtHypervisor, tmp_path: Path) -> Iterator[Guests]:
    # The test driver never opens these files: they only have to be valid paths.
    kernel = KernelBoot(tmp_path / "vmlinuz", tmp_path / "initrd.img", "console=ttyS0")
    made = Guests(test_driver, kernel)
    yield made
    made.destroy_all()


@pytest.fixture
def qemu_guests(guest_image: KernelBoot, tmp_path: Path) -> Iterator[Guests]:
    with LibvirtHypervisor(QEMU_URI, tmp_path / "instances") as hypervisor:
        made = Guests(hypervisor, guest_image)
        try:
            yield made
        finally:
            made.destroy_all()  # even when the test failed: leave no guest running


@pytest.fixture
def qemu_backend(libvirtd: None, tmp_path: Path) -> Iterator[LibvirtVolumeBackend]:
    """A volume backend on qemu:///system with a pool of its own: for what needs real files."""
    yield from pool_backend(QEMU_URI, tmp_path)


# -- network namespaces --------------------------------------------------------------------------
@pytest.fixture
def namespaces(network_tools: None) -> Iterator[Namespaces]:
    made = Namespaces()
    try:
        yield made
    finally:
        made.remove_all()


@pytest.fixture
def host(namespaces: Namespaces) -> Host:
    """One host whose physical interface leads to an otherwise empty underlay namespace."""
    ns, underlay = namespaces.new("host"), namespaces.new("under")
    connect(ns, "phys0", underlay, "uplink0")
    ip(ns, "addr", "add", "192.0.2.1/24", "dev", "phys0")  # the VXLAN source address
    return Host(ns, underlay_ip="192.0.2.1")
