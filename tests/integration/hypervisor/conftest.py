"""Fixtures for the libvirt hypervisor adapter: test-driver connections and a real QEMU guest."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from adapters.hypervisor.libvirt_driver import LibvirtHypervisor
from domain.compute.ports import GuestSpec, KernelBoot

REPO = Path(__file__).resolve().parents[3]
# The network namespace libvirtd (and so every test guest's tap device) runs in: a whole
# hypervisor host played inside a namespace, never touching the machine's own interfaces.
HV_NETNS = "skyledger-hv"


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


@pytest.fixture
def node_file(tmp_path: Path) -> Callable[..., Path]:
    return lambda vcpus, memory_mib: write_node_file(tmp_path, vcpus, memory_mib)


@pytest.fixture(params=["default", "node-file"])
def test_driver(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LibvirtHypervisor]:
    """The adapter on libvirt's in-process test driver, shared state or a fresh node file."""
    if request.param == "default":
        uri = "test:///default"
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


def _missing_capability() -> str | None:
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


def _run_script(name: str, *args: str) -> None:
    env = {**os.environ, "SKYLEDGER_LIBVIRTD_NETNS": HV_NETNS}
    result = subprocess.run(
        [str(REPO / "ops" / name), *args], capture_output=True, text=True, timeout=600, env=env
    )
    assert result.returncode == 0, f"ops/{name} failed:\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="session")
def guest_image() -> KernelBoot:
    """libvirtd running and the busybox guest built (both scripts are no-ops when done)."""
    reason = _missing_capability()
    if reason is not None:
        pytest.skip(reason)
    _run_script("setup-libvirtd")
    out = REPO / "var" / "guest"
    _run_script("build-guest-image", str(out))
    # quiet: the kernel's own boot messages would only slow the serial console down.
    return KernelBoot(out / "vmlinuz", out / "initrd.img", "console=ttyS0 quiet")


@pytest.fixture
def qemu_guests(guest_image: KernelBoot, tmp_path: Path) -> Iterator[Guests]:
    with LibvirtHypervisor("qemu:///system", tmp_path / "instances") as hypervisor:
        made = Guests(hypervisor, guest_image)
        try:
            yield made
        finally:
            made.destroy_all()  # even when the test failed: leave no guest running
