"""One test host: a QEMU (TCG) VM running a shell command, and the wires between such VMs.

The VM sees the machine's root read-only under an overlay (ops/test-host/init), so a command
can run the checkout's own Python. A read-write share, common to the VMs of one test, carries
the command in (NAME.sh) and its exit status out (NAME.rc): QEMU itself exits 0 whatever the
guest did. The serial console is captured to NAME.console in the share.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.hosts.image import QEMU, HostImage
from tests.support.waiting import wait_for

# Kernel arguments: the console on the first serial port; less to print and to check at boot
# (each costs seconds under TCG); power off instead of hanging on a panic.
KERNEL_ARGS = "console=ttyS0 quiet loglevel=3 mitigations=off no_timer_check panic=-1"
SUN_PATH_MAX = 107  # the longest unix socket path, less its terminating NUL


@dataclass(frozen=True)
class Wire:
    """A layer-2 segment joining two VMs: each end's NIC sends its frames, as datagrams, to the
    other end's unix socket (QEMU's `-netdev dgram`). No host interface and no port is made."""

    directory: Path
    name: str

    def socket(self, end: int) -> Path:
        path = self.directory / f"{self.name}.{end}.sock"
        assert len(str(path)) <= SUN_PATH_MAX, f"socket path too long for AF_UNIX: {path}"
        return path

    def netdev(self, end: int, netdev_id: str) -> str:
        return (f"dgram,id={netdev_id},local.type=unix,local.path={self.socket(end)},"
                f"remote.type=unix,remote.path={self.socket(1 - end)}")


@contextmanager
def wire_directory() -> Iterator[Path]:
    """A short-named directory for wires' sockets (AF_UNIX paths are short; tmp_path is not)."""
    directory = Path(tempfile.mkdtemp(prefix="sky-wire-"))
    try:
        yield directory
    finally:
        for socket in directory.iterdir():
            socket.unlink()
        directory.rmdir()


@dataclass(frozen=True)
class Nic:
    """A NIC on one end of a wire; the frames through it go to `pcap` too, when given."""

    wire: Wire
    end: int
    mac: str
    pcap: Path | None = None


@dataclass(frozen=True)
class TapNic:
    """A NIC on a tap made beforehand in the test's network namespace `netns` (management.py):
    QEMU opens a tap by name in its own namespace, so a VM with one runs in that namespace."""

    netns: str
    tap: str
    mac: str


class HostVM:
    """A VM booted with a command to run; `wait` gives its exit status. Used as a context
    manager, the VM is killed (by its pid) at exit, whatever state it is in."""

    def __init__(self, image: HostImage, name: str, share: Path,
                 nics: Sequence[Nic | TapNic] = (), memory_mib: int = 768) -> None:
        self.image, self.name, self.share = image, name, share
        self.nics, self.memory_mib = nics, memory_mib
        namespaces = {nic.netns for nic in nics if isinstance(nic, TapNic)}
        assert len(namespaces) <= 1, f"{name}: taps in several namespaces {namespaces}"
        self.netns = next(iter(namespaces), None)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def console_path(self) -> Path:
        return self.share / f"{self.name}.console"

    @property
    def rc_path(self) -> Path:
        return self.share / f"{self.name}.rc"

    def console(self) -> str:
        return self.console_path.read_text(errors="replace") if self.console_path.exists() else ""

    def start(self, command: str) -> None:
        """Boot, running `command` with /bin/sh as root in the guest (in /, with a plain PATH)."""
        assert self._process is None, f"{self.name} was started already"
        (self.share / f"{self.name}.sh").write_text(command + "\n")
        qemu_log = (self.share / f"{self.name}.qemu.log").open("wb")
        with qemu_log:
            self._process = subprocess.Popen(self._argv(), stdin=subprocess.DEVNULL,
                                             stdout=qemu_log, stderr=subprocess.STDOUT)

    def wait_console(self, text: str, timeout_s: float) -> None:
        """Until `text` shows on the serial console."""
        wait_for(lambda: text in self.console() or self._exited(), f"{text!r} on {self.name}",
                 timeout_s, details=self.console)
        assert text in self.console(), f"{self.name} stopped before {text!r}:\n{self.console()}"

    def wait(self, timeout_s: float) -> int:
        """The command's exit status, once the guest wrote it (it powers off right after)."""
        wait_for(lambda: self.rc_path.exists() or self._exited(),
                 f"{self.name} to finish its command", timeout_s, details=self.console)
        if not self.rc_path.exists():
            raise AssertionError(f"{self.name} stopped without an exit status (QEMU: "
                                 f"{self._qemu_log()}):\n{self.console()}")
        return int(self.rc_path.read_text())

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            os.kill(self._process.pid, signal.SIGKILL)
            self._process.wait()

    def __enter__(self) -> HostVM:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()

    def _exited(self) -> bool:
        return self._process is not None and self._process.poll() is not None

    def _qemu_log(self) -> str:
        return (self.share / f"{self.name}.qemu.log").read_text(errors="replace").strip()

    def _argv(self) -> list[str]:
        append = f"{KERNEL_ARGS} testhost.name={self.name} testhost.modules={self.image.modules}"
        # `ip netns exec` execs QEMU in the namespace: the pid killed at exit is QEMU's own.
        argv = [] if self.netns is None else ["ip", "netns", "exec", self.netns]
        argv += [
            QEMU, "-machine", "q35,accel=tcg", "-cpu", "max", "-smp", "1",
            "-m", str(self.memory_mib), "-nodefaults", "-no-user-config", "-display", "none",
            "-monitor", "none", "-no-reboot",
            "-chardev", f"file,id=console,path={self.console_path}", "-serial", "chardev:console",
            "-kernel", str(self.image.vmlinux), "-initrd", str(self.image.initramfs),
            "-append", append,
            # multidevs=remap: the root spans several filesystems, whose inode numbers collide.
            "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap",
            "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
            "-fsdev", f"local,id=share,path={self.share},security_model=none",
            "-device", "virtio-9p-pci,fsdev=share,mount_tag=testhost",
        ]
        for index, nic in enumerate(self.nics):
            netdev = f"n{index}"
            backend = (f"tap,id={netdev},ifname={nic.tap},script=no,downscript=no"
                       if isinstance(nic, TapNic) else nic.wire.netdev(nic.end, netdev))
            argv += ["-netdev", backend,
                     "-device", f"virtio-net-pci,netdev={netdev},mac={nic.mac}"]
            if isinstance(nic, Nic) and nic.pcap is not None:
                argv += ["-object", f"filter-dump,id=dump{index},netdev={netdev},file={nic.pcap}"]
        return argv
