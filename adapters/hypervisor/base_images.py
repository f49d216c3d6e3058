"""This host's own copies of the images its guests' root disks are overlays of: Nova's image
cache (`instances/_base/`, nova/virt/libvirt/imagebackend.py).

A root disk's qcow2 overlay records its backing file's path. Backed onto the image store's file,
the overlay would lose its backing when the image is deleted (or removed from that store): the
running guest keeps the open inode, but its next hard reboot, start, rescue or migration fails.
So the overlay backs onto `<state dir>/_base/<content hash>`, which outlives the image: a hard
link to the store's file when both are on one filesystem (free, and the data stays when the
store unlinks its name), else a copy written under a temporary name and renamed once whole.
Store files are named by their content hash, so a base of that name always holds those bytes:
a retried spawn, or two spawns of one image racing, find it or make it atomically.

A kernel-booted guest's kernel and initrd (`aki`/`ari` images) are taken from the cache too,
for the same reason: Nova fetches them into the host's instance directory.

Removing bases no guest uses any more (Nova's image cache manager) is not done here yet.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from domain.compute.backends import GuestSpec, HypervisorError
from domain.process.effects import record

BASE_DIR = "_base"  # as Nova names it; never an instance uuid, so no guest's directory
CONTENT_HASH = re.compile(r"[0-9a-f]{64}")


def base_dir(state_dir: Path) -> Path:
    return state_dir / BASE_DIR


def cached_base(image: Path, directory: Path) -> Path:
    """The host's copy of `image` in `directory`, made if it is not there yet."""
    source = image.resolve()
    target = directory / _key(source)
    if target.is_file():
        return target
    try:
        directory.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
            how = "link"
        except FileExistsError:
            return target  # another spawn of the same image made it first
        except OSError:  # another filesystem (EXDEV), or a link the kernel refuses (EPERM)
            _copy(source, target)
            how = "copy"
    except OSError as error:
        raise HypervisorError(f"cannot cache image {source.name} on this host: {error}") from None
    record("image-cache", how, source.name, base=str(target))
    return target


def with_cached_kernel(spec: GuestSpec, directory: Path | None) -> GuestSpec:
    """`spec` booting the host's copies of its kernel and initrd; as it is when `directory` is
    None (no files are made: the test driver) or it boots from its disk."""
    boot = spec.kernel
    if boot is None or directory is None:
        return spec
    initrd = cached_base(boot.initrd, directory) if boot.initrd is not None else None
    return replace(spec, kernel=replace(boot, kernel=cached_base(boot.kernel, directory),
                                        initrd=initrd))


def _key(source: Path) -> str:
    # A file named otherwise (a test's image) is keyed by its path, so two never share a base.
    if CONTENT_HASH.fullmatch(source.name):
        return source.name
    return hashlib.sha256(str(source).encode()).hexdigest()


def _copy(source: Path, target: Path) -> None:
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                   suffix=".partial")
    os.close(fd)
    try:
        shutil.copyfile(source, partial)
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, target)  # whole or not there: a racing copy writes the same bytes
    finally:
        Path(partial).unlink(missing_ok=True)
