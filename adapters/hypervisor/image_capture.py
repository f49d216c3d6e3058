"""A guest's root disk copied out as one standalone qcow2 image (Nova's libvirt snapshot).

The copy flattens the overlay onto its base, so the image stands on its own in the image store.
A running guest is paused while `qemu-img` reads its disk, as Nova's cold snapshot does, so the
copy is consistent; it is resumed whatever happens. The file appears under `dest` only once it is
complete. libvirt's test driver makes no disks: there the image is an empty 1 MiB qcow2, enough
for the image's life cycle, which is all such a guest can show.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import libvirt

from domain.compute.backends import HypervisorError
from domain.process.effects import record


def snapshot_root(dom: libvirt.virDomain, root: Path, dest: Path, is_test: bool) -> None:
    partial = dest.with_name(dest.name + ".partial")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if is_test:
        _qemu_img(["create", "-q", "-f", "qcow2", str(partial), "1M"])
    else:
        if not root.exists():
            raise HypervisorError(f"the root disk of {dom.name()} is not at {root}")
        paused = dom.isActive() and dom.state(0)[0] == libvirt.VIR_DOMAIN_RUNNING
        if paused:
            dom.suspend()
            record("libvirt", "suspend", dom.name())
        try:
            # -U: QEMU holds the image lock even while paused; nothing writes meanwhile.
            _qemu_img(["convert", "-U", "-q", "-O", "qcow2", str(root), str(partial)])
        finally:
            if paused:
                dom.resume()
                record("libvirt", "resume", dom.name())
    os.replace(partial, dest)
    record("qemu-img", "create" if is_test else "convert", dom.name(), image=dest.name)


def _qemu_img(arguments: list[str]) -> None:
    result = subprocess.run(["qemu-img", *arguments], capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise HypervisorError(f"qemu-img {arguments[0]} failed: {result.stderr.strip()}")
