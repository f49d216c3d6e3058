"""Fixtures for the volume backend and volume attach: a storage pool of its own under tmp_path,
on libvirt's test driver and on qemu:///system, removed with every volume in it afterwards."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import libvirt
import pytest

from adapters.storage.libvirt_volumes import LibvirtVolumeBackend

# The hypervisor adapter's fixtures: test-driver guests, real QEMU guests and the guest image.
from tests.integration.hypervisor.conftest import (  # noqa: F401
    _missing_capability,
    _run_script,
    guest_image,
    guests,
    qemu_guests,
    test_driver,
)

TEST_URI, QEMU_URI = "test:///default", "qemu:///system"
MIB = 2**20


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


@pytest.fixture(scope="session")
def libvirtd() -> None:
    """libvirtd answering on qemu:///system (ops/setup-libvirtd is a no-op when it does)."""
    reason = _missing_capability()
    if reason is not None:
        pytest.skip(reason)
    _run_script("setup-libvirtd")


@pytest.fixture(scope="session")
def qemu_img() -> None:
    """qemu-img, which converts images into volumes and makes the tests' images. It comes with
    Debian's qemu-utils, which ops/setup-libvirtd installs (ops/install does not)."""
    if shutil.which("qemu-img") is None:
        reason = _missing_capability()
        if reason is not None:
            pytest.skip(f"qemu-img is missing and cannot be installed: {reason}")
        _run_script("setup-libvirtd")


def _backend(uri: str, tmp_path: Path) -> Iterator[LibvirtVolumeBackend]:
    name = f"skyledger-test-{uuid.uuid4().hex[:8]}"
    try:
        with LibvirtVolumeBackend(uri, name, tmp_path / "pool") as backend:
            yield backend
    finally:
        remove_pool(uri, name)


@pytest.fixture(params=["test", pytest.param("qemu", marks=pytest.mark.qemu)])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path, qemu_img: None
) -> Iterator[LibvirtVolumeBackend]:
    """A backend with a fresh directory pool, on test:///default and on qemu:///system."""
    if request.param == "qemu":
        request.getfixturevalue("libvirtd")
    yield from _backend(TEST_URI if request.param == "test" else QEMU_URI, tmp_path)


@pytest.fixture
def test_backend(tmp_path: Path) -> Iterator[LibvirtVolumeBackend]:
    """Only on test:///default: volumes for the test driver's guests."""
    yield from _backend(TEST_URI, tmp_path)


@pytest.fixture
def qemu_backend(libvirtd: None, tmp_path: Path) -> Iterator[LibvirtVolumeBackend]:
    """Only on qemu:///system: for what needs real files in the pool."""
    yield from _backend(QEMU_URI, tmp_path)


@pytest.fixture
def make_image(tmp_path: Path, qemu_img: None) -> Callable[..., Path]:
    """make_image(virtual_mib, fmt="qcow2", content={offset: bytes}) -> Path: an image file whose
    disk holds `content` at those offsets and zeros elsewhere."""

    def make(virtual_mib: int, fmt: str = "qcow2", content: dict[int, bytes] | None = None) -> Path:
        raw = tmp_path / f"image-{uuid.uuid4().hex[:8]}.raw"
        with raw.open("wb") as disk:
            disk.truncate(virtual_mib * MIB)
            for offset, data in (content or {}).items():
                disk.seek(offset)
                disk.write(data)
        if fmt == "raw":
            return raw
        image = raw.with_suffix(f".{fmt}")
        subprocess.run(["qemu-img", "convert", "-q", "-f", "raw", "-O", fmt, str(raw), str(image)],
                       check=True)
        raw.unlink()
        return image

    return make
