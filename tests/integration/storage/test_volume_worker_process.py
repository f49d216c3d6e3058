"""The volume worker as it runs: `skyledger volume` as an OS process, the worker embedded in
`skyledger serve`, and one worker on qemu:///system with real files in a dir pool."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from adapters.positions import ProcessPositions
from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.services.storage.volumes import VolumeRequest, VolumeService
from domain.storage.backends import GIB
from domain.storage.volume_states import VolumeStatus
from ops.bootstrap import Cloud, build
from ops.embedded import start_embedded_volume
from tests.integration.storage.volume_worker_rig import USER, Rig, make_rig
from tests.support.hypervisor import MIB, TEST_URI, remove_pool
from tests.support.settings import make_settings
from tests.support.waiting import wait_for

REPO = Path(__file__).resolve().parents[3]
ImageMaker = Callable[..., Path]


def test_help_describes_the_command() -> None:
    result = subprocess.run([sys.executable, "-m", "ops.cli", "volume", "--help"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for option in ("--host", "--pool", "--pool-dir", "--libvirt-uri", "SIGTERM"):
        assert option in result.stdout
    listed = subprocess.run([sys.executable, "-m", "ops.cli", "--help"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert "volume" in listed.stdout


def start_volume_process(data_dir: Path, database_url: str, host: str, pool_dir: Path,
                         log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SKYLEDGER_DATA_DIR": str(data_dir),
           "SKYLEDGER_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "ops.cli", "volume", "--host", host, "--libvirt-uri",
               TEST_URI, "--pool", "cli-pool", "--pool-dir", str(pool_dir),
               "--reconcile-interval", "0.2", "--log-level", "debug"]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT)


def test_the_volume_command_carries_out_requests_and_stops_cleanly(
        database_url: str, tmp_path: Path) -> None:
    cloud = build(make_settings(tmp_path / "data", database_url), follow=False)
    log = tmp_path / "volume.log"
    process = start_volume_process(cloud.settings.data_dir, database_url, "cli-host",
                                   tmp_path / "pool", log)
    try:
        volumes = VolumeService(cloud.app, host="cli-host")
        volume_id = volumes.create(USER, VolumeRequest(size=1)).id
        wait_for(lambda: cloud.app.repository.get(volume_id).status is VolumeStatus.AVAILABLE,
                 "the volume process to create the volume", timeout_s=30)
        # A second worker for the same host refuses to start.
        second = start_volume_process(cloud.settings.data_dir, database_url, "cli-host",
                                      tmp_path / "pool", tmp_path / "second.log")
        assert second.wait(timeout=60) == 1
        assert "another volume worker holds" in (tmp_path / "second.log").read_text()
        volumes.delete(USER, volume_id)
        wait_for(lambda: cloud.app.repository.get(volume_id).deleted, "the delete",
                 timeout_s=30)
        head = cloud.app.head()
        wait_for(lambda: ProcessPositions(cloud.store).get("volume-worker:cli-host") == head,
                 "the process to save its position")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
        cloud.close()
    output = log.read_text()
    assert "skyledger volume: host cli-host, pool cli-pool on test:///default" in output
    assert f"host cli-host stopped at position {head}" in output


@pytest.fixture
def embedded_cloud(database_url: str, tmp_path: Path) -> Iterator[Cloud]:
    pool = f"skyledger-test-{uuid.uuid4().hex[:8]}"
    settings = make_settings(tmp_path / "data", database_url, host="embedded-host",
                             libvirt_uri=TEST_URI, volume_pool=pool)
    cloud = build(settings, follow=False)
    try:
        yield cloud
    finally:
        cloud.close()
        remove_pool(TEST_URI, pool)  # test:///default lives as long as this test process


def test_serve_runs_a_volume_worker_for_its_own_host(embedded_cloud: Cloud) -> None:
    worker = start_embedded_volume(embedded_cloud)
    assert worker is not None and start_embedded_volume(embedded_cloud) is worker
    assert worker.running and worker.worker.host == "embedded-host"
    volume_id = embedded_cloud.volumes.create(USER, VolumeRequest(size=1)).id
    wait_for(lambda: embedded_cloud.app.repository.get(volume_id).status is
             VolumeStatus.AVAILABLE, "the embedded worker to create the volume")
    assert embedded_cloud.app.repository.get(volume_id).path.startswith(
        str((embedded_cloud.settings.data_dir / "volumes").absolute()))
    embedded_cloud.close()  # stops the worker too
    assert not worker.running


def test_no_embedded_volume_worker_when_turned_off_or_when_the_pool_is_unreachable(
        database_url: str, tmp_path: Path) -> None:
    off = build(make_settings(tmp_path / "off", database_url, embedded_volume=False),
                follow=False)
    try:
        assert start_embedded_volume(off) is None
    finally:
        off.close()
    broken = build(make_settings(tmp_path / "broken", database_url,
                                 volume_libvirt_uri=f"test://{tmp_path}/no-such-node.xml"),
                   follow=False)
    try:
        assert start_embedded_volume(broken) is None  # the API keeps serving without it
    finally:
        broken.close()


@pytest.mark.qemu
def test_real_volume_files_on_qemu(database_url: str, tmp_path: Path,
                                   qemu_backend: LibvirtVolumeBackend,
                                   make_image: ImageMaker) -> None:
    for rig in make_rig(database_url, tmp_path, qemu_backend):
        run_real_volume_lifecycle(rig, make_image)


def run_real_volume_lifecycle(rig: Rig, make_image: ImageMaker) -> None:
    marker = b"skyledger volume from an image"
    image = rig.upload_image(make_image(32, "qcow2", {5 * MIB: marker}))
    volume_id = rig.create(size=1, image=image)
    worker = rig.worker()
    worker.catch_up()
    volume = rig.volume(volume_id)
    assert volume.status is VolumeStatus.AVAILABLE, volume.fault
    path = Path(str(volume.path))
    assert path.stat().st_size == 1 * GIB
    with path.open("rb") as disk:
        disk.seek(5 * MIB)
        assert disk.read(len(marker)) == marker

    rig.cloud.volumes.extend(USER, volume_id, 2)
    worker.catch_up()
    assert rig.volume(volume_id).size == 2 and path.stat().st_size == 2 * GIB
    with path.open("rb") as disk:
        disk.seek(5 * MIB)
        assert disk.read(len(marker)) == marker  # the data is kept

    path.unlink()  # behind the system's back
    assert worker.reconciler.run().lost == (volume_id,)
    assert rig.volume(volume_id).status is VolumeStatus.ERROR
    rig.cloud.volumes.delete(USER, volume_id)
    worker.catch_up()
    assert rig.volume(volume_id).deleted and rig.used() == {"volumes": 0, "gigabytes": 0}
