"""The compute worker `skyledger serve` runs in-process for settings.libvirt_uri."""

from __future__ import annotations

from pathlib import Path

from domain.compute.node import node_id
from domain.compute.states import VmState
from ops.bootstrap import build
from ops.embedded import start_embedded_compute
from tests.support.fleet import Fleet
from tests.support.hypervisor import write_node_file
from tests.support.settings import make_settings
from tests.support.waiting import wait_for


def test_serve_runs_a_worker_for_its_own_host(database_url: str, tmp_path: Path) -> None:
    node = write_node_file(tmp_path, 4, 4096)
    settings = make_settings(tmp_path / "data", database_url, libvirt_uri=f"test://{node}",
                             host="embedded-host", report_interval=0.5)
    cloud = build(settings, follow=False)
    try:
        compute = start_embedded_compute(cloud)
        assert compute is not None and start_embedded_compute(cloud) is compute
        wait_for(lambda: cloud.app.find(node_id("embedded-host")), "the host to register")
        assert cloud.hosts.node("embedded-host").memory_mb == 4096
        fleet = Fleet(cloud, tmp_path)
        fleet.seed()
        [vm] = fleet.boot()
        assert fleet.wait_until(vm, VmState.ACTIVE).host == "embedded-host"
        assert (settings.data_dir / "instances" / "embedded-host" / ".worker.lock").is_file()
    finally:
        cloud.close()  # stops the worker first
    assert not compute.running


def test_no_embedded_worker_when_turned_off_or_when_libvirt_is_unreachable(
        database_url: str, tmp_path: Path) -> None:
    off = build(make_settings(tmp_path / "off", database_url, embedded_compute=False),
                follow=False)
    try:
        assert start_embedded_compute(off) is None
    finally:
        off.close()
    broken = build(make_settings(tmp_path / "broken", database_url,
                                 libvirt_uri=f"test://{tmp_path}/no-such-node.xml"), follow=False)
    try:
        assert start_embedded_compute(broken) is None  # the API keeps serving without it
    finally:
        broken.close()
