"""A two-host test bed for migrations: two libvirtd instances (ops/libvirtd-host), each in a
network namespace of its own and with its own sockets, configuration, runtime and guest files,
joined by one veth pair whose two ends carry the only addresses. Each daemon listens for its peer
on its veth address (qemu+tcp, no authentication: nothing else can reach that address), and
answers the tests (and the compute workers) on a unix socket under its state directory.

`MigrationBed.start` skips only when QEMU cannot run here at all (the guest_image fixture's
reason) or a tool the bed needs is missing, saying which; a daemon that does not answer fails.
`close` destroys every guest either daemon still holds, stops both daemons by pid, and deletes
the namespaces (and with them the veth pair).
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import libvirt

from adapters.hypervisor.libvirt_driver import LibvirtHypervisor
from domain.compute.backends import MigrationTarget
from tests.support.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]
SUBNET = "10.250.0"  # only ever on the veth pair, inside the bed's two namespaces
TOOLS = ("ip", "nsenter", "unshare", "libvirtd", "qemu-img")


def missing_tool() -> str | None:
    for tool in TOOLS:
        if shutil.which(tool) is None:
            return f"the migration bed needs `{tool}`, which is not installed"
    return None


@dataclass
class BedHost:
    name: str
    netns: str
    address: str
    state: Path  # the daemon's sockets and logs (run/, log/) and the guests' files (instances/)
    process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        """How this machine reaches the daemon: its unix socket (from any namespace)."""
        return f"qemu:///system?socket={self.state / 'run' / 'libvirt-sock'}"

    @property
    def peer_uri(self) -> str:
        """How the other host's daemon reaches this one: TCP over the veth pair."""
        return f"qemu+tcp://{self.address}/system"

    @property
    def instances(self) -> Path:
        return self.state / "instances"

    def target(self, copy_disks: bool = True) -> MigrationTarget:
        return MigrationTarget(self.peer_uri, f"tcp://{self.address}", self.instances,
                               copy_disks)

    def hypervisor(self) -> LibvirtHypervisor:
        return LibvirtHypervisor(self.uri, self.instances)

    def log(self) -> str:
        path = self.state / "libvirtd.out"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def answers(self) -> bool:
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)  # "no socket yet" is fine
        try:
            libvirt.open(self.uri).close()
            return True
        except libvirt.libvirtError:
            return False


@dataclass
class MigrationBed:
    root: Path
    hosts: list[BedHost] = field(default_factory=list)

    @classmethod
    def start(cls, root: Path, names: tuple[str, str] = ("bed-a", "bed-b")) -> MigrationBed:
        suffix = uuid.uuid4().hex[:6]
        bed = cls(root)
        for index, name in enumerate(names, start=1):
            bed.hosts.append(BedHost(name, f"sky-mig{index}-{suffix}", f"{SUBNET}.{index}",
                                     root / name))
        try:
            bed._plumb(suffix)
            for host in bed.hosts:
                bed._run(host)
            for host in bed.hosts:
                wait_for(host.answers, f"libvirtd of {host.name} to answer on {host.uri}", 60,
                         details=host.log)
        except BaseException:
            bed.close()
            raise
        return bed

    def _plumb(self, suffix: str) -> None:
        a, b = self.hosts
        for host in self.hosts:
            _ip("netns", "add", host.netns)
            _ip("-n", host.netns, "link", "set", "lo", "up")
        _ip("link", "add", f"mig{suffix}a", "netns", a.netns, "type", "veth",
            "peer", "name", f"mig{suffix}b", "netns", b.netns)
        for host, end in ((a, "a"), (b, "b")):
            _ip("-n", host.netns, "addr", "add", f"{host.address}/24", "dev", f"mig{suffix}{end}")
            _ip("-n", host.netns, "link", "set", f"mig{suffix}{end}", "up")

    def _run(self, host: BedHost) -> None:
        host.state.mkdir(parents=True, exist_ok=True)
        with (host.state / "libvirtd.out").open("wb") as out:
            # exec all the way down: the pid is libvirtd's own
            host.process = subprocess.Popen(
                [str(REPO / "ops" / "libvirtd-host"), "run", str(host.state), host.netns,
                 host.address, str(uuid.uuid4())], stdout=out, stderr=subprocess.STDOUT)

    def close(self) -> None:
        for host in self.hosts:
            if host.process is not None and host.process.poll() is None:
                _destroy_all(host.uri)
                host.process.send_signal(signal.SIGTERM)
                try:
                    host.process.wait(30)
                except subprocess.TimeoutExpired:
                    host.process.kill()
                    host.process.wait(10)
        for host in self.hosts:
            subprocess.run(["ip", "netns", "delete", host.netns], capture_output=True,
                           check=False)


def _destroy_all(uri: str) -> None:
    """Every guest the daemon still holds: QEMU would outlive its libvirtd."""
    with contextlib.suppress(libvirt.libvirtError):
        conn = libvirt.open(uri)
        try:
            for dom in conn.listAllDomains():
                with contextlib.suppress(libvirt.libvirtError):
                    if dom.isActive():
                        dom.destroy()
                with contextlib.suppress(libvirt.libvirtError):
                    dom.undefine()
        finally:
            conn.close()


def _ip(*argv: str) -> None:
    result = subprocess.run(["ip", *argv], capture_output=True, text=True, timeout=15)
    if result.returncode != 0:
        raise AssertionError(f"ip {' '.join(argv)}: {result.stderr}")
