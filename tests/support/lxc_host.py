"""A host of hypervisor type LXC under test: the private libvirtd of ops/lxc-libvirtd (only the
LXC driver, in a mount namespace of its own, beside the machine's qemu:///system daemon which it
never touches), started by the test and stopped by its PID; and the container image the tests
boot, a tar of a busybox root tree whose init reports what the container sees."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import libvirt

from tests.support.hypervisor import REPO
from tests.support.waiting import wait_for

BUSYBOX = Path("/bin/busybox")
UP = "SKY-LXC-UP"  # the image's init prints this, with what it sees, each time it starts
STOPPING = "SKY-LXC-STOPPING"  # and this when asked to stop (SIGTERM, libvirt's shutdown)
# ... which it also appends to this file of its root tree: libvirt's LXC console relay may drop
# what a container prints just before its init exits, a file in the tree keeps it.
STOPS = "stops"

# The init: it reports its arguments (the image's os_command_line), its hostname and the cgroup
# limits it was given, then idles; SIGTERM ends it, so a graceful stop does not wait the timeout.
INIT = rf"""#!/bin/sh
trap 'echo {STOPPING}; echo {STOPPING} >> /{STOPS}; exit 0' TERM
cg() {{  # the container's own cgroup's file (cgroup v1, no cgroup namespace): controller, file
    cat "/sys/fs/cgroup/$1$(sed -n "s/^[0-9]*:$1:\(.*\)/\1/p" /proc/self/cgroup)/$2"
}}
mem=$(cg memory memory.limit_in_bytes)
quota=$(cg cpu cpu.cfs_quota_us)
shares=$(cg cpu cpu.shares)
echo "{UP} args=$* hostname=$(hostname) memory_limit=$mem cpu_quota=$quota cpu_shares=$shares"
ip -o link | sed 's/^/link: /'
while :; do sleep 1 & wait $!; done
"""


def lxc_cannot_run() -> str | None:
    """Why containers cannot run on this machine, or None."""
    if os.geteuid() != 0:
        return "libvirt's LXC driver needs root"
    for tool in ("unshare", "libvirtd", "dpkg-deb", "tar"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (ops/setup-libvirtd, ops/install)"
    if not BUSYBOX.is_file():
        return "busybox-static is not installed (ops/install --test)"
    return None


def container_image(path: Path) -> Path:
    """A gzip tar of a root tree: busybox and its applets, /sbin/init as above."""
    applets = subprocess.run([str(BUSYBOX), "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    with tarfile.open(path, "w:gz") as tar:
        for directory in ("bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "run"):
            _add(tar, directory, tarfile.DIRTYPE, 0o755)
        tar.add(BUSYBOX, "bin/busybox")
        for applet in applets:
            if applet != "busybox":
                _add(tar, f"bin/{applet}", tarfile.SYMTYPE, 0o777, linkname="/bin/busybox")
        _add(tar, "sbin/init", tarfile.REGTYPE, 0o755, data=INIT.encode())
    return path


def filesystem_image(path: Path, tar: Path) -> Path:
    """A raw disk image holding an ext4 filesystem of the tree in `tar` (mke2fs fills it from a
    directory: no mount, no loop device to build it)."""
    tree = path.with_name(path.name + ".tree")
    tree.mkdir()
    subprocess.run(["tar", "--extract", "--file", str(tar), "--directory", str(tree),
                    "--same-owner", "--numeric-owner"], check=True)
    subprocess.run(["mke2fs", "-q", "-t", "ext4", "-d", str(tree), "-F", str(path), "16M"],
                   check=True, capture_output=True)
    shutil.rmtree(tree)
    return path


def loop_devices_missing() -> str | None:
    """Why a filesystem image cannot be mounted here (it takes a loop device), or None."""
    if not Path("/dev/loop-control").exists():
        return "the kernel has no loop devices (/dev/loop-control), which mount a filesystem image"
    if shutil.which("blkid") is None or shutil.which("mke2fs") is None:
        return "blkid or mke2fs is not installed (util-linux, e2fsprogs)"
    return None


def _add(tar: tarfile.TarFile, name: str, kind: bytes, mode: int, linkname: str = "",
         data: bytes = b"") -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.linkname, info.size = kind, mode, linkname, len(data)
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data) if data else None)


def uri_of(state_dir: Path) -> str:
    return f"lxc:///system?socket={state_dir}/run/libvirt-sock"


def _answers(uri: str) -> bool:
    try:
        libvirt.open(uri).close()
    except libvirt.libvirtError:
        return False
    return True


@contextlib.contextmanager
def lxc_libvirtd(state_dir: Path, netns: str | None = None) -> Iterator[str]:
    """Run ops/lxc-libvirtd for the block (in network namespace `netns`, if given), yielding
    its URI. At the end every container it runs is destroyed (their controllers would outlive
    the daemon) and the daemon stopped by its PID."""
    state_dir.mkdir(parents=True, exist_ok=True)
    uri = uri_of(state_dir)
    log = (state_dir / "libvirtd.out").open("wb")
    env = {**os.environ, **({"SKYLEDGER_LXC_NETNS": netns} if netns else {})}
    daemon = subprocess.Popen([str(REPO / "ops" / "lxc-libvirtd"), "run", str(state_dir)],
                              stdout=log, stderr=subprocess.STDOUT, env=env)
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    try:
        wait_for(lambda: daemon.poll() is not None or _answers(uri), "the LXC libvirtd",
                 timeout_s=60.0)
        if daemon.poll() is not None:
            raise AssertionError((state_dir / "libvirtd.out").read_text())
        yield uri
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            destroy_all(uri)
        daemon.terminate()
        daemon.wait(timeout=30)
        log.close()


def destroy_all(uri: str) -> list[str]:
    conn = libvirt.open(uri)
    try:
        names = []
        for dom in conn.listAllDomains():
            names.append(dom.name())
            with contextlib.suppress(libvirt.libvirtError):
                if dom.isActive():
                    dom.destroy()
            with contextlib.suppress(libvirt.libvirtError):
                dom.undefine()
        return names
    finally:
        conn.close()
