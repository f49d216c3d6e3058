"""Fixtures for the volume backend, volume attach and the volume worker: a storage pool of its
own under tmp_path, on libvirt's test driver and on qemu:///system, removed with every volume in
it afterwards (tests/support/hypervisor.py). libvirtd, the guests and `qemu_backend` are
tests/integration/conftest.py's: the fault tests use them too."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from tests.integration.storage.volume_worker_rig import Rig, make_rig
from tests.support.hypervisor import (
    MIB,
    QEMU_URI,
    TEST_URI,
    missing_capability,
    pool_backend,
    run_script,
)


@pytest.fixture(scope="session")
def qemu_img() -> None:
    """qemu-img, which converts images into volumes and makes the tests' images. It comes with
    Debian's qemu-utils, which ops/setup-libvirtd installs (ops/install does not)."""
    if shutil.which("qemu-img") is None:
        reason = missing_capability()
        if reason is not None:
            pytest.skip(f"qemu-img is missing and cannot be installed: {reason}")
        run_script("setup-libvirtd")


@pytest.fixture(params=["test", pytest.param("qemu", marks=pytest.mark.qemu)])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path, qemu_img: None
) -> Iterator[LibvirtVolumeBackend]:
    """A backend with a fresh directory pool, on test:///default and on qemu:///system."""
    if request.param == "qemu":
        request.getfixturevalue("libvirtd")
    yield from pool_backend(TEST_URI if request.param == "test" else QEMU_URI, tmp_path)


@pytest.fixture
def test_backend(tmp_path: Path) -> Iterator[LibvirtVolumeBackend]:
    """Only on test:///default: volumes for the test driver's guests."""
    yield from pool_backend(TEST_URI, tmp_path)


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


@pytest.fixture
def rig(database_url: str, tmp_path: Path, test_backend: LibvirtVolumeBackend) -> Iterator[Rig]:
    """The volume worker's (volume_worker_rig.py) on libvirt's test driver (volumes in memory),
    with both event stores."""
    yield from make_rig(database_url, tmp_path, test_backend)
