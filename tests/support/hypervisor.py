"""libvirt under test: test-driver node files, guests handed out and destroyed, storage pools made
and removed, and the machine's libvirtd (qemu:///system) set up, restarted and its guest image
built by the ops/ scripts. The fixtures built on these live in tests/conftest.py (guest_image)
and tests/integration/conftest.py (libvirtd, guests, qemu_guests, qemu_backend)."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import libvirt

from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.compute.backends import GuestSpec, KernelBoot
from tests.support.waiting import wait_for

if TYPE_CHECKING:
    from adapters.hypervisor.libvirt_driver import LibvirtHypervisor

REPO = Path(__file__).resolve().parents[2]
# The network namespace libvirtd (and so every test guest's tap device) runs in: a whole
# hypervisor host played inside a namespace, never touching the machine's own interfaces.
HV_NETNS = "skyledger-hv"
TEST_URI, QEMU_URI = "test:///default", "qemu:///system"
MIB = 2**20


def write_node_file(directory: Path, vcpus: int, memory_mib: int) -> Path:
    """A test-driver node description; its <memory> is a plain KiB count (unit= is ignored)."""
    node = directory / "node.xml"
    node.write_text(
        f"""<node>
  <cpu><mhz>2000</mhz><model>i686</model><nodes>1</nodes><sockets>1</sockets>
    <cores>{vcpus}</cores><threads>1</threads><active>{vcpus}</active></cpu>
  <memory>{memory_mib * 1024}</memory>
</node>
"""
    )
    return node


class Guests:
    """Hands out specs with fresh uuids and destroys every guest it handed out at teardown, so
    test:///default (shared by the whole process) and qemu:///system are left as found."""

    def __init__(self, hypervisor: LibvirtHypervisor, kernel: KernelBoot) -> None:
        self.hypervisor = hypervisor
        self._kernel = kernel
        self._ids: list[uuid.UUID] = []

    def spec(self, **overrides: object) -> GuestSpec:
        instance_id = uuid.uuid4()
        self._ids.append(instance_id)
        fields: dict[str, object] = {
            "instance_id": instance_id,
            "name": f"guest-{instance_id.hex[:8]}",
            "vcpus": 1,
            "memory_mib": 128,
            "kernel": self._kernel,
        }
        fields.update(overrides)
        return GuestSpec(**fields)  # type: ignore[arg-type]

    def destroy_all(self) -> None:
        for instance_id in self._ids:
            self.hypervisor.destroy(instance_id)


# -- the machine's libvirtd ----------------------------------------------------------------------
def missing_capability() -> str | None:
    """Why this machine cannot run a QEMU guest at all, or None. No /dev/kvm is not a reason:
    the guests run under TCG."""
    if platform.system() != "Linux" or platform.machine() != "x86_64":
        return f"needs an x86_64 Linux host, not {platform.system()} {platform.machine()}"
    if os.geteuid() != 0:
        return "needs root, to install and start libvirtd and to use qemu:///system"
    for tool in ("apt-get", "apt-cache", "dpkg-deb"):
        if shutil.which(tool) is None:
            return f"needs a Debian-family host ({tool} is missing)"
    return None


def run_script(name: str, *args: str) -> None:
    """ops/NAME, with libvirtd kept in HV_NETNS."""
    env = {**os.environ, "SKYLEDGER_LIBVIRTD_NETNS": HV_NETNS}
    result = subprocess.run(
        [str(REPO / "ops" / name), *args], capture_output=True, text=True, timeout=600, env=env
    )
    assert result.returncode == 0, f"ops/{name} failed:\n{result.stdout}\n{result.stderr}"


def build_guest_image() -> KernelBoot:
    """libvirtd running and the busybox guest built (both scripts are no-ops when done)."""
    run_script("setup-libvirtd")
    out = REPO / "var" / "guest"
    run_script("build-guest-image", str(out))
    # quiet: the kernel's own boot messages would only slow the serial console down.
    return KernelBoot(out / "vmlinuz", out / "initrd.img", "console=ttyS0 quiet")


def running_libvirtd() -> list[int]:
    """Pids of the running (not zombie) libvirtd, as ops/setup-libvirtd finds them."""
    out = subprocess.run(["ps", "-C", "libvirtd", "-o", "pid=,stat="], capture_output=True,
                         text=True, check=False).stdout
    return [int(pid) for pid, stat in (line.split() for line in out.splitlines())
            if not stat.startswith(("Z", "X"))]


def restart_libvirtd() -> None:
    [pid] = running_libvirtd()
    os.kill(pid, signal.SIGTERM)
    wait_for(lambda: pid not in running_libvirtd(), "libvirtd to stop", 30)
    run_script("setup-libvirtd")  # starts it again in skyledger-hv and waits until it answers


# -- storage pools -------------------------------------------------------------------------------
def remove_pool(uri: str, name: str) -> None:
    """Delete every volume of the pool, stop it and forget it (test:///default is shared by the
    whole process and qemu:///system outlives it: both must be left as found)."""
    conn = libvirt.open(uri)
    try:
        with contextlib.suppress(libvirt.libvirtError):
            pool = conn.storagePoolLookupByName(name)
            if pool.isActive():
                pool.refresh(0)
                for volume in pool.listAllVolumes(0):
                    volume.delete(0)
                pool.destroy()
            pool.undefine()
    finally:
        conn.close()


def pool_backend(uri: str, tmp_path: Path, prefix: str = "skyledger-test"
                 ) -> Iterator[LibvirtVolumeBackend]:
    """A volume backend with a fresh directory pool under tmp_path, removed afterwards."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    try:
        with LibvirtVolumeBackend(uri, name, tmp_path / "pool") as backend:
            yield backend
    finally:
        remove_pool(uri, name)
