"""A compute host of hypervisor type LXC, end to end: `skyledger serve` (no embedded workers), a
`skyledger compute` on `lxc:///` (the private libvirtd of ops/lxc-libvirtd, started here and
stopped by its PID) and a `skyledger compute` on libvirt's test driver, on one PostgreSQL
schema, used through the `openstack` CLI as an operator types it.

- An image whose `hypervisor_type` is `lxc` (a tar of a busybox root tree, its init command line
  in `os_command_line`) boots as a container on the LXC host; the container's console says it
  runs the image's init with its arguments under the flavor's memory and CPU cgroup limits; it
  is listed, stopped, started, rebooted, paused and unpaused, and deleted, its root tree (under
  the host's data dir) with it.
- A rebuild makes the container's root tree anew from the same image or another, whose
  os_command_line the new init shows; a stopped container is rebuilt stopped.
- A raw image holding an ext4 filesystem boots a container too (its tree copied from a loop
  mount); skipped only where the kernel has no loop devices.
- The actions a container cannot have, and attaching a volume, answer Nova's 409 and change
  nothing.
- Scheduling: an `lxc` image goes to the LXC host even where the weigher prefers the test host,
  an image of no type where the weigher says, and one for `qemu` to no host here (neither is
  QEMU): ERROR, "No valid host".
- os-hypervisors shows the host's type as LXC.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest
from openstack.connection import Connection

from tests.e2e.multi_host import Deployment
from tests.support.lxc_host import (
    STOPPING,
    STOPS,
    UP,
    container_image,
    filesystem_image,
    loop_devices_missing,
    lxc_cannot_run,
    lxc_libvirtd,
)
from tests.support.server_process import Server, openstack
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.lxc, pytest.mark.postgres]

LXC_HOST, TEST_HOST = f"lxc-{os.getpid()}", f"test-{os.getpid()}"
FLAVOR = "m1.tiny"  # 512 MiB, 1 vCPU
TIMEOUT_S = 60.0
INIT_ARGS = "sky 'two words'"
OTHER_ARGS = "rebuilt 'as another'"
EXT4_ARGS = "from ext4"


@pytest.fixture(scope="module")
def lxc_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    reason = lxc_cannot_run()
    if reason:
        pytest.skip(reason)
    with lxc_libvirtd(tmp_path_factory.mktemp("lxc-libvirtd")) as uri:
        yield uri


@pytest.fixture(scope="module")
def deployment(lxc_uri: str, pg_module_schema_url: str,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    running = Deployment(tmp_path_factory.mktemp("lxc-deployment"), pg_module_schema_url,
                         {"SKYLEDGER_REPORT_INTERVAL": "1"})
    try:
        running.start_api("storage")
        # RAM not overcommitted: the scheduling test fills most of it with one flavor.
        running.start_host("compute", LXC_HOST, {"SKYLEDGER_LIBVIRT_URI": lxc_uri,
                                                 "SKYLEDGER_RAM_ALLOCATION_RATIO": "1.0"})
        running.start_host("compute", TEST_HOST)
        running.start_host("volume", "storage")  # the attach refused is of a volume available
        yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def api(deployment: Deployment) -> Server:
    assert deployment.api is not None
    return deployment.api


@pytest.fixture(scope="module")
def admin(api: Server) -> Iterator[Connection]:
    connection = api.connect()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def images(api: Server, deployment: Deployment,
           tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The container image for lxc, the same file for qemu and with no type, by name; for lxc
    also the same file with other init arguments ("other") and, where loop devices are, an ext4
    image of the same tree ("ext4")."""
    directory = tmp_path_factory.mktemp("lxc-image")
    tar = container_image(directory / "rootfs.tar.gz")
    wait_for(lambda: _hypervisors(api).keys() >= {LXC_HOST, TEST_HOST}, "both hosts up",
             TIMEOUT_S, details=deployment.logs)
    names = {"lxc": "lxc-rootfs", "qemu": "qemu-only", "": "any-hypervisor"}
    for kind, name in names.items():
        properties = ["--property", f"hypervisor_type={kind}"] if kind else []
        openstack(api, "image", "create", "--file", str(tar), "--disk-format", "raw",
                  "--container-format", "bare", "--property", f"os_command_line=/sbin/init "
                  f"{INIT_ARGS}", *properties, name)
    lxc_images = {"other": (tar, OTHER_ARGS)}
    if loop_devices_missing() is None:
        lxc_images["ext4"] = (filesystem_image(directory / "rootfs.ext4", tar), EXT4_ARGS)
    for kind, (path, args) in lxc_images.items():
        names[kind] = f"lxc-{kind}"
        openstack(api, "image", "create", "--file", str(path), "--disk-format", "raw",
                  "--container-format", "bare", "--property", f"os_command_line=/sbin/init "
                  f"{args}", "--property", "hypervisor_type=lxc", names[kind])
    return names


def _hypervisors(api: Server) -> dict[str, dict[str, Any]]:
    # Memory MB is among the statistics 2.88 dropped: asked at 2.87, as the CLI would at latest.
    rows = json.loads(openstack(api, "--os-compute-api-version", "2.87", "hypervisor", "list",
                                "--long", "-f", "json"))
    return {row["Hypervisor Hostname"]: row for row in rows if row["State"] == "up"}


def _show(api: Server, name: str) -> dict[str, Any]:
    return dict(json.loads(openstack(api, "server", "show", "-f", "json", name)))


def _status(api: Server, name: str, status: str,
            deployment: Deployment | None = None) -> dict[str, Any]:
    """The server once it shows `status` with no task; on timeout the processes' logs say why."""
    last: dict[str, Any] = {}

    def reached() -> dict[str, Any] | None:
        last.update(_show(api, name))
        return dict(last) if last["status"] == status and not last["OS-EXT-STS:task_state"] \
            else None
    return wait_for(reached, f"{name} {status}", TIMEOUT_S, details=lambda: (
        f"last shown: {last.get('status')} task {last.get('OS-EXT-STS:task_state')}\n"
        + (deployment.logs() if deployment else "")))


def _console(api: Server, name: str) -> str:
    return openstack(api, "console", "log", "show", name)


def _boot(api: Server, name: str, image: str, status: str = "ACTIVE",
          flavor: str = FLAVOR) -> dict[str, Any]:
    openstack(api, "server", "create", "--flavor", flavor, "--image", image, "--nic", "none",
              name)
    return _status(api, name, status)


def test_os_hypervisors_shows_the_lxc_host(api: Server, images: dict[str, str]) -> None:
    hypervisors = _hypervisors(api)
    assert hypervisors[LXC_HOST]["Hypervisor Type"] == "LXC"
    assert hypervisors[TEST_HOST]["Hypervisor Type"] == "TEST"


def test_a_container_boots_lists_consoles_acts_and_is_deleted(
        api: Server, images: dict[str, str], deployment: Deployment, lxc_uri: str) -> None:
    server = _boot(api, "box", images["lxc"])
    assert server["OS-EXT-SRV-ATTR:host"] == LXC_HOST
    listed = json.loads(openstack(api, "server", "list", "-f", "json"))
    assert [(s["Name"], s["Status"]) for s in listed] == [("box", "ACTIVE")]

    # The container runs the image's init with the image's arguments, under the flavor's limits.
    up = wait_for(lambda: next((line for line in _console(api, "box").splitlines()
                                if line.startswith(UP)), None), "the init's first line",
                  TIMEOUT_S, details=deployment.logs)
    assert "args=sky two words" in up, up
    assert f"hostname={server['id']}" in up, up
    assert f"memory_limit={512 * 2**20}" in up and "cpu_quota=100000" in up, up
    assert "cpu_shares=1024" in up, up
    rootfs = _rootfs(lxc_uri, server["id"])
    assert rootfs.is_dir() and (rootfs / "sbin" / "init").is_file()
    assert str(deployment.tmp / LXC_HOST / "var") in str(rootfs), rootfs

    # Stop asks the init (SIGTERM) and it obeys; start, reboot: the init starts again each time.
    openstack(api, "server", "stop", "box")
    _status(api, "box", "SHUTOFF", deployment)
    assert (rootfs / STOPS).read_text().split() == [STOPPING]  # told, not killed
    openstack(api, "server", "start", "box")
    _status(api, "box", "ACTIVE", deployment)
    wait_for(lambda: _console(api, "box").count(UP) == 2, "the init started again", TIMEOUT_S)
    openstack(api, "server", "reboot", "box")
    _status(api, "box", "ACTIVE", deployment)
    wait_for(lambda: _console(api, "box").count(UP) == 3, "the init after reboot", TIMEOUT_S)
    openstack(api, "server", "pause", "box")
    _status(api, "box", "PAUSED", deployment)
    assert _frozen(server["id"]) == "FROZEN"
    openstack(api, "server", "unpause", "box")
    _status(api, "box", "ACTIVE", deployment)
    assert _frozen(server["id"]) == "THAWED"

    openstack(api, "server", "delete", "--wait", "box")
    assert "box" not in openstack(api, "server", "list", "-f", "value", "-c", "Name")
    conn = libvirt.open(lxc_uri)
    try:
        assert server["id"] not in [d.name() for d in conn.listAllDomains()]
    finally:
        conn.close()
    assert not rootfs.exists() and not rootfs.parent.exists()


def _rootfs(lxc_uri: str, instance_id: str, active: bool = True) -> Path:
    """The container's root tree, from its domain, which is running (or not, `active`)."""
    conn = libvirt.open(lxc_uri)
    try:
        dom = conn.lookupByName(instance_id)
        assert dom.isActive() == active
        return Path(dom.XMLDesc(0).split("<source dir='")[1].split("'")[0])
    finally:
        conn.close()


def _line(api: Server, name: str, text: str, deployment: Deployment) -> str:
    """The console once its init's line has `text` in it (the rest of the console with it)."""
    def shown() -> str | None:
        console = _console(api, name)
        lines = console.splitlines()
        return console if any(s.startswith(UP) and text in s for s in lines) else None
    return wait_for(shown, f"{name}'s init line with {text!r}", TIMEOUT_S,
                    details=deployment.logs)


def test_a_container_is_rebuilt_from_its_image_or_another(
        api: Server, images: dict[str, str], deployment: Deployment, lxc_uri: str) -> None:
    server = _boot(api, "rebuilt", images["lxc"])
    _line(api, "rebuilt", "args=sky two words", deployment)
    openstack(api, "server", "reboot", "rebuilt")  # a second init line in the same console
    _status(api, "rebuilt", "ACTIVE", deployment)
    wait_for(lambda: _console(api, "rebuilt").count(UP) == 2, "the init after reboot", TIMEOUT_S)
    rootfs = _rootfs(lxc_uri, server["id"])
    (rootfs / "scribbled").write_text("by the container before the rebuild")

    # The same image: a new tree from it, and a new console with one init's line.
    openstack(api, "server", "rebuild", "--image", images["lxc"], "rebuilt")
    _status(api, "rebuilt", "ACTIVE", deployment)
    wait_for(lambda: _console(api, "rebuilt").count(UP) == 1, "the console of the rebuilt",
             TIMEOUT_S, details=deployment.logs)
    assert _rootfs(lxc_uri, server["id"]) == rootfs
    assert (rootfs / "sbin" / "init").is_file() and not (rootfs / "scribbled").exists()

    # Another image: its init command line runs.
    openstack(api, "server", "rebuild", "--image", images["other"], "rebuilt")
    shown = _status(api, "rebuilt", "ACTIVE", deployment)
    console = _line(api, "rebuilt", "args=rebuilt as another", deployment)
    assert "args=sky" not in console, console
    assert images["other"] in str(shown["image"]), shown["image"]

    # A stopped container is rebuilt stopped (as Nova does), from a new tree.
    openstack(api, "server", "stop", "rebuilt")
    _status(api, "rebuilt", "SHUTOFF", deployment)
    (rootfs / "scribbled").write_text("by the stopped container")
    openstack(api, "server", "rebuild", "--image", images["lxc"], "rebuilt")
    _status(api, "rebuilt", "SHUTOFF", deployment)
    assert _rootfs(lxc_uri, server["id"], active=False) == rootfs
    assert (rootfs / "sbin" / "init").is_file() and not (rootfs / "scribbled").exists()
    openstack(api, "server", "delete", "--wait", "rebuilt")


def test_a_raw_image_with_a_filesystem_boots_a_container(
        api: Server, images: dict[str, str], deployment: Deployment, lxc_uri: str) -> None:
    if "ext4" not in images:
        pytest.skip(str(loop_devices_missing()))
    server = _boot(api, "ext4-box", images["ext4"])
    assert server["OS-EXT-SRV-ATTR:host"] == LXC_HOST
    _line(api, "ext4-box", "args=from ext4", deployment)
    rootfs = _rootfs(lxc_uri, server["id"])
    assert (rootfs / "lost+found").is_dir()  # the ext4 filesystem's tree, copied
    assert str(rootfs.parent) not in Path("/proc/self/mountinfo").read_text()  # not mounted
    openstack(api, "server", "delete", "--wait", "ext4-box")
    assert not rootfs.parent.exists()


def _frozen(instance_id: str) -> str:
    """The freezer cgroup's state of the container (what libvirt's LXC pause uses)."""
    found = list(Path("/sys/fs/cgroup/freezer/machine").glob(f"lxc-*-{instance_id}.libvirt-lxc"))
    assert len(found) == 1, found
    return (found[0] / "freezer.state").read_text().strip()


# Nova's actions that a container cannot have, as the API's request bodies.
REFUSED = {"resize": {"resize": {"flavorRef": "2"}}, "migrate": {"migrate": None},
           "rescue": {"rescue": None}, "suspend": {"suspend": None},
           "createImage": {"createImage": {"name": "never"}}, "shelve": {"shelve": None}}


def test_what_a_container_cannot_do_is_a_409(api: Server, admin: Connection,
                                             images: dict[str, str]) -> None:
    server = _boot(api, "boxed", images["lxc"])
    before = openstack(api, "server", "event", "list", "-f", "value", "boxed")
    image_count = len(json.loads(openstack(api, "image", "list", "-f", "json")))
    for action, body in REFUSED.items():
        response = admin.compute.post(f"/servers/{server['id']}/action", json=body)
        assert response.status_code == 409, (action, response.text)
        fault = response.json()["conflictingRequest"]
        assert fault["code"] == 409, fault
        assert f"Cannot '{action}' instance {server['id']}" in fault["message"], fault
        assert "hypervisor type LXC" in fault["message"], fault
    # A volume: Nova's attach to a container takes a block device; volumes here are files.
    volume = json.loads(openstack(api, "volume", "create", "--size", "1", "-f", "json",
                                  "lxc-vol"))
    wait_for(lambda: _volume_status(api, volume["id"]) == "available", "the volume",
             TIMEOUT_S)
    response = admin.compute.post(f"/servers/{server['id']}/os-volume_attachments",
                                  json={"volumeAttachment": {"volumeId": volume["id"]}})
    assert response.status_code == 409, response.text
    message = response.json()["conflictingRequest"]["message"]
    assert f"Cannot 'attach_volume' instance {server['id']}" in message, message
    assert "hypervisor type LXC" in message, message
    assert _volume_status(api, volume["id"]) == "available"
    attached = admin.compute.get(f"/servers/{server['id']}/os-volume_attachments")
    assert attached.json()["volumeAttachments"] == [], attached.text
    # Nothing was recorded: no action, no queued image, the server as it was.
    assert openstack(api, "server", "event", "list", "-f", "value", "boxed") == before
    assert len(json.loads(openstack(api, "image", "list", "-f", "json"))) == image_count
    assert _show(api, "boxed")["status"] == "ACTIVE"
    # The CLI shows the same refusal.
    refused = _openstack_fails(api, "server", "resize", "--flavor", "m1.small", "boxed")
    assert "hypervisor type LXC" in refused and "409" in refused, refused
    openstack(api, "server", "delete", "--wait", "boxed")
    openstack(api, "volume", "delete", volume["id"])


def _volume_status(api: Server, volume_id: str) -> str:
    return openstack(api, "volume", "show", "-f", "value", "-c", "status", volume_id).strip()


def test_scheduling_follows_the_images_hypervisor_type(api: Server,
                                                       images: dict[str, str]) -> None:
    """The weigher sends a boot to the host with the largest free share of RAM. A container
    holding 90% of the LXC host's makes the test host the weigher's choice: an image of no type
    goes there, one for lxc still to the LXC host, one for qemu nowhere."""
    memory_mb = int(_hypervisors(api)[LXC_HOST]["Memory MB"])
    openstack(api, "flavor", "create", "--ram", str(memory_mb * 9 // 10), "--vcpus", "1",
              "--disk", "1", "lxc-big")
    big = _boot(api, "lxc-big", images["lxc"], flavor="lxc-big")
    assert big["OS-EXT-SRV-ATTR:host"] == LXC_HOST
    anywhere = _boot(api, "anywhere", images[""])
    assert anywhere["OS-EXT-SRV-ATTR:host"] == TEST_HOST  # the weigher's choice, unfiltered
    lxc = _boot(api, "lxc-only", images["lxc"])
    assert lxc["OS-EXT-SRV-ATTR:host"] == LXC_HOST  # the filter, against the weigher
    qemu = _boot(api, "qemu-only", images["qemu"], status="ERROR")
    assert "No valid host" in str(qemu.get("fault")), qemu
    for name in ("lxc-big", "anywhere", "lxc-only", "qemu-only"):
        openstack(api, "server", "delete", "--wait", name)


def _openstack_fails(server: Server, *args: str) -> str:
    cli = Path(sys.executable).with_name("openstack")
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(server.clouds_yaml)}
    result = subprocess.run([str(cli), "--os-cloud", "skyledger", *args], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0, (args, result.stdout)
    return result.stderr

