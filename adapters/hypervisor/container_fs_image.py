"""A container's root tree from a raw disk image that holds a filesystem (ext4, xfs, ...: what
the host's kernel mounts), the other image Nova's LXC support boots besides a tree.

Nova's setup_container mounts such an image through a loop or nbd device and runs the container
on the mount, unmounting it once the container has started. Here the image is mounted read-only
through a loop device only long enough to copy its tree into the instance's directory, and then
unmounted (which frees the loop device: `mount -o loop` sets it to clear itself): the container
gets a private tree it may write to, as a tar image's container does, no mount outlives the
spawn, and destroy stays the removal of one directory. A whole-disk filesystem only: a
partitioned image is refused with the reason (Nova picks a partition by image property, which
nothing here sets).

The mount is `nodev,nosuid,noexec`: nothing in an image a project uploaded runs or opens a device
on the host while its tree is copied; `cp -a` still recreates the device nodes and set-id modes
in the copy, as the container needs them.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from domain.compute.backends import HypervisorError
from domain.process.effects import record


def filesystem_of(image: Path) -> str | None:
    """The type of the filesystem that fills `image` (blkid's low-level probe), or None."""
    found = _probe(image)
    if "PTTYPE" in found and "TYPE" not in found:
        raise HypervisorError(f"image file {image.name} is a partitioned disk ({found['PTTYPE']} "
                              f"partition table); an LXC host boots a filesystem image whose "
                              f"filesystem fills the disk, or a tar of a root tree")
    return found.get("TYPE")


def copy_filesystem(image: Path, fs_type: str, dest: Path) -> None:
    """Copy the tree of the filesystem in `image` into the empty directory `dest`."""
    if fs_type not in _kernel_filesystems():
        raise HypervisorError(f"image file {image.name} holds a {fs_type} filesystem, which "
                              f"this host's kernel cannot mount")
    mount_point = dest.with_name(dest.name + ".mnt")
    if os.path.ismount(mount_point):  # left mounted by a spawn killed while it copied
        _run(["umount", str(mount_point)], "unmounting the copy an earlier spawn left")
    mount_point.mkdir(parents=True, exist_ok=True)
    _run(["mount", "-t", fs_type, "-o", "loop,ro,nodev,nosuid,noexec", str(image),
          str(mount_point)], f"mounting image file {image.name} through a loop device")
    try:
        _run(["cp", "-a", "--one-file-system", f"{mount_point}/.", str(dest)],
             f"copying the tree of image file {image.name}")
    finally:
        _run(["umount", str(mount_point)], f"unmounting image file {image.name}")
        mount_point.rmdir()
    record("mount", "copy", dest.parent.name, filesystem=fs_type)


def _probe(image: Path) -> dict[str, str]:
    result = subprocess.run(["blkid", "--probe", "--output", "export", str(image)],
                            capture_output=True, text=True)
    if result.returncode == 2:  # nothing blkid knows of
        return {}
    if result.returncode != 0:
        raise HypervisorError(f"probing image file {image.name} failed: "
                              f"{result.stderr.strip()}")
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def _kernel_filesystems() -> set[str]:
    """The block-device filesystems this kernel mounts (/proc/filesystems without `nodev`)."""
    lines = Path("/proc/filesystems").read_text().splitlines()
    return {line.split()[-1] for line in lines if line.strip() and not line.startswith("nodev")}


def _run(argv: list[str], doing: str) -> None:
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        # e.g. "failed to setup loop device": the machine has no free loop device
        raise HypervisorError(f"{doing} failed: {result.stderr.strip()}")
