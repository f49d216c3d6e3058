"""Where a guest's files live and how its disks are made.

Disks are made with `qemu-img`, not through a libvirt storage pool: a crash between "disk created"
and "domain defined" must still let `destroy` find and delete the disk from the instance uuid alone,
which plain files in a uuid-named directory give for free. A pool would add pool state to define,
start and refresh on every host and daemon restart, and the test driver's pools make no real files.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from adapters.hypervisor.base_images import cached_base
from adapters.hypervisor.config_drive import write_config_drive
from domain.compute.backends import GuestSpec, HypervisorError
from domain.process.effects import record


@dataclass(frozen=True)
class GuestFiles:
    """Where one guest's files live: derived from its uuid, so a replay or a destroy finds them
    without asking libvirt (whose definition may never have been written)."""

    directory: Path

    @property
    def root(self) -> Path:
        return self.directory / "root.qcow2"

    @property
    def ephemeral(self) -> Path:
        # Raw, as Nova's flavor ephemeral disk: a plain sparse block device for scratch data,
        # with nothing under it to share, and removed with the instance.
        return self.directory / "ephemeral.raw"

    @property
    def rootfs(self) -> Path:
        # A container's root tree, extracted from its image (container_rootfs.py).
        return self.directory / "rootfs"

    @property
    def config_drive(self) -> Path:
        return self.directory / "disk.config"  # as Nova names it

    @property
    def console_log(self) -> Path:
        return self.directory / "console.log"


def create_disks(spec: GuestSpec, files: GuestFiles, bases: Path | None = None) -> None:
    """`bases`: where this host keeps its copies of images (base_images.py), which the root
    overlay backs onto; None on the test driver, whose guests need no disk files (a config
    drive is made there all the same, for a test to read what a guest would)."""
    write_config_drive(spec.config_drive, files.config_drive)
    if bases is None:
        return
    files.directory.mkdir(parents=True, exist_ok=True)
    if spec.console_log is not None:
        spec.console_log.parent.mkdir(parents=True, exist_ok=True)
    if spec.root_disk is not None:
        root = spec.root_disk
        base = cached_base(root.base_image, bases)  # absolute: qcow2 records it as given
        size = f"{root.size_gib}G" if root.size_gib else None  # None: the base's size
        _qemu_img(files.root, "qcow2", ["-b", str(base), "-F", root.base_format], size)
    if spec.ephemeral_gib:
        _qemu_img(files.ephemeral, "raw", [], f"{spec.ephemeral_gib}G")


def _qemu_img(target: Path, disk_format: str, options: list[str], size: str | None) -> None:
    if target.exists():
        return  # made by an earlier attempt of this same spawn
    partial = target.with_suffix(".partial")  # renamed only once complete: no half disk survives
    command = ["qemu-img", "create", "-q", "-f", disk_format, *options, str(partial)]
    result = subprocess.run(command + ([size] if size else []), capture_output=True, text=True)
    if result.returncode != 0:
        raise HypervisorError(f"qemu-img failed for {target}: {result.stderr.strip()}")
    os.replace(partial, target)
    record("qemu-img", "create", target.parent.name, disk=target.name, size=size)
