"""Throwaway network namespaces playing hosts, guests and the outside, for the network tests.

Nothing here touches the machine's own interfaces: every interface is made inside a namespace
named `sky-<role>-<random>`, and every namespace is deleted at teardown, pass or fail, after the
processes the tests started inside it (dnsmasq, tiny servers) are killed by pid. The plumbing
uses the `ip` tool rather than pyroute2, so the adapters under test are checked against an
independent reading of the kernel. The fixtures built on these (network_tools, namespaces, host)
live in tests/conftest.py and tests/integration/conftest.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyroute2 import netns

# udhcpc runs this on a lease; the script's stdout is udhcpc's, which `lease` reads.
UDHCPC_SH = '#!/bin/sh\n[ "$1" = bound ] && echo "BOUND ip=$ip router=$router mtu=$mtu"\nexit 0\n'


def sh(ns: str, *argv: str, check: bool = True, timeout: float = 15.0,
       ) -> subprocess.CompletedProcess[str]:
    """Run a command inside namespace `ns`."""
    result = subprocess.run(["ip", "netns", "exec", ns, *argv], capture_output=True, text=True,
                            timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"{argv} in {ns} failed: {result.stdout}{result.stderr}")
    return result


def ip(ns: str, *argv: str) -> None:
    result = subprocess.run(["ip", "-n", ns, *argv], capture_output=True, text=True, timeout=15)
    if result.returncode != 0:
        raise AssertionError(f"ip -n {ns} {' '.join(argv)}: {result.stderr}")


def link_details(ns: str, name: str) -> dict[str, Any]:
    """`ip -d -j link show` of one interface: the independent read-back of what pyroute2 made."""
    out = subprocess.run(["ip", "-n", ns, "-d", "-s", "-j", "link", "show", "dev", name],
                         capture_output=True, text=True, timeout=15, check=True).stdout
    details: dict[str, Any] = json.loads(out)[0]
    return details


def pings(ns: str, address: str, attempts: int = 3) -> bool:
    """True as soon as one echo comes back (the first may wait for ARP and bridge learning)."""
    for _ in range(attempts):
        if sh(ns, "ping", "-n", "-q", "-c", "1", "-W", "1", address, check=False).returncode == 0:
            return True
    return False


def unreachable(ns: str, address: str) -> bool:
    """True when no echo at all comes back within a second (three tries)."""
    result = sh(ns, "ping", "-n", "-q", "-c", "3", "-i", "0.2", "-w", "1", address, check=False)
    return " 0 received" in result.stdout


def lease(guest: str, tmp_path: Path, tries: int = 3) -> str | None:
    """What udhcpc was offered and bound (its script's line), or None after `tries` seconds of
    silence. `-O mtu`: udhcpc does not ask for the MTU option unless told to."""
    script = tmp_path / "udhcpc.sh"
    script.write_text(UDHCPC_SH)
    script.chmod(0o755)
    result = sh(guest, "busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", str(tries),
                "-T", "1", "-O", "mtu", "-s", str(script), check=False)
    bound = [line for line in result.stdout.splitlines() if line.startswith("BOUND")]
    return bound[0] if bound else None


class Namespaces:
    """Hands out uniquely named namespaces and removes every one of them at teardown."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def new(self, role: str) -> str:
        name = f"sky-{role[:5]}-{uuid.uuid4().hex[:6]}"
        netns.create(name)
        self.names.append(name)
        return name

    def remove_all(self) -> None:
        inodes = {os.stat(f"/run/netns/{name}").st_ino: name for name in self.names
                  if os.path.exists(f"/run/netns/{name}")}
        _kill_processes_in(inodes)
        for name in reversed(self.names):
            if name in netns.listnetns():
                netns.remove(name)
        self.names.clear()


def _kill_processes_in(inodes: dict[int, str]) -> None:
    """A namespace outlives its unmounting while a process runs in it: kill, by pid, whatever
    the tests left running in theirs (and nothing else: the inode identifies the namespace)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            target = os.readlink(entry / "ns" / "net")  # "net:[4026532...]"
        except OSError:
            continue
        if int(target[5:-1]) in inodes:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(entry.name), signal.SIGKILL)


@dataclass(frozen=True)
class Host:
    """A namespace playing a hypervisor host; `phys0` is its "physical" interface."""

    ns: str
    phys: str = "phys0"
    underlay_ip: str = ""


def connect(a: str, a_if: str, b: str, b_if: str, mac_b: str | None = None) -> None:
    """A veth pair from namespace `a` to namespace `b`, both ends up."""
    ip(a, "link", "add", a_if, "type", "veth", "peer", "name", b_if, "netns", b)
    if mac_b:
        ip(b, "link", "set", b_if, "address", mac_b)
    ip(a, "link", "set", a_if, "up")
    ip(b, "link", "set", b_if, "up")


def attach_guest(namespaces: Namespaces, host: Host, bridge: str, mac: str,
                 address: str | None = None, gateway: str | None = None) -> str:
    """A namespace standing in for a guest, its `eth0` plugged (veth) into `bridge` on `host`."""
    guest = namespaces.new("guest")
    tap = f"tap{uuid.uuid4().hex[:8]}"
    connect(host.ns, tap, guest, "eth0", mac_b=mac)
    ip(host.ns, "link", "set", tap, "master", bridge)
    ip(guest, "link", "set", "lo", "up")
    if address:
        ip(guest, "addr", "add", address, "dev", "eth0")
    if gateway:
        ip(guest, "route", "add", "default", "via", gateway)
    return guest
