"""A container's root filesystem: the image, a tar archive of a root tree (plain, gzip, bzip2 or
xz) extracted into the instance's directory, or a raw disk image with a filesystem whose tree is
copied there (container_fs_image.py: mounted through a loop device for the copy only).

Why a private tree rather than the container running on a mount of the image: extracting a tar
needs no loop or nbd device at all, each container gets a copy it may write to, no mount has to
be undone by whoever cleans up after a crash, and delete is removing one directory under the
data dir (`destroy` already removes the instance's directory). The image is uploaded to Glance
as `disk_format=raw` (Glance has no tar format; Nova's own LXC support takes raw images too) and
is recognised as a tar or a filesystem by its content.

GNU tar, not Python's tarfile: it keeps device nodes, ownership and modes as a root tree needs,
and it never writes through a symlink an earlier member made (it creates such links last),
while tarfile's safe filter would refuse the absolute symlinks every root tree has.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from adapters.hypervisor.container_fs_image import copy_filesystem, filesystem_of
from adapters.hypervisor.container_xml import build_container_xml, init_argv
from adapters.hypervisor.guest_files import GuestFiles
from domain.compute.backends import GuestSpec, HypervisorError
from domain.process.effects import record


def prepare_container(spec: GuestSpec, files: GuestFiles) -> str:
    """The container's root tree made and checked; its domain XML."""
    if spec.root_disk is None:
        raise HypervisorError("a container's root is its image: an LXC host boots no "
                              "volume-backed or kernel-only server")
    if spec.volumes:  # attach is refused up front (hypervisor_support.py); a boot's land here
        raise HypervisorError("an LXC host attaches no volumes: libvirt's LXC driver takes "
                              "block devices only, and volumes here are files")
    make_rootfs(spec.root_disk.base_image, files.rootfs)
    check_init(files.rootfs, init_argv(spec)[0])
    return build_container_xml(spec, files.rootfs)


def make_rootfs(image: Path, rootfs: Path) -> None:
    """Extract `image` into `rootfs`, unless an earlier attempt of this spawn completed it."""
    if rootfs.is_dir():
        return
    is_tar = _has_members(image)
    fs_type = None if is_tar else filesystem_of(image)
    if not is_tar and fs_type is None:
        raise HypervisorError(f"image file {image.name} is neither a tar archive of a root "
                              f"tree nor a disk image with a filesystem, which is what an LXC "
                              f"host boots")
    partial = rootfs.with_name(rootfs.name + ".partial")  # renamed only once complete
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        if fs_type is not None:
            copy_filesystem(image, fs_type, partial)
        else:
            _extract(image, partial)
    except HypervisorError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    os.replace(partial, rootfs)


def _extract(image: Path, dest: Path) -> None:
    result = subprocess.run(["tar", "--extract", "--file", str(image), "--directory",
                             str(dest), "--same-owner", "--preserve-permissions",
                             "--numeric-owner"], capture_output=True, text=True)
    if result.returncode != 0:
        raise HypervisorError(f"extracting image file {image.name} failed: "
                              f"{result.stderr.strip()}")
    record("tar", "extract", dest.parent.name)


def _has_members(image: Path) -> bool:
    """A tar archive with something in it (tarfile.is_tarfile alone takes any run of zero
    blocks, a blank raw disk, for an empty archive)."""
    try:
        with tarfile.open(image) as archive:
            return archive.next() is not None
    except (tarfile.TarError, OSError):
        return False


def check_init(rootfs: Path, init: str) -> None:
    """The container's init must be in its tree (a link counts: it may point into the tree as
    the container sees it); libvirt's own message for this comes after a 10 s timeout."""
    if not os.path.lexists(rootfs / init.lstrip("/")):
        raise HypervisorError(f"the image has no {init} to run as the container's init (the "
                              f"image property os_command_line names another)")
