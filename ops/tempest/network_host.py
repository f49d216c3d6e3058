"""The Tempest cloud's network host: a network namespace of the run's own, where `skyledger
serve`'s embedded network agent makes its segments (VXLAN over a veth pair inside it), bridges,
dnsmasq and nftables, and whose name prefixes its routers' namespaces.

The agent registers as the cloud's Linux bridge, DHCP and L3 agent, as devstack's agents do,
which Tempest's agent and scheduler tests need (they skip without a DHCP agent). Nothing of the
machine's own is touched: the interfaces are the namespace's, and the sysctls the agent sets
(ip_forward, bridge-nf-call-*) are per namespace. At the end, the processes left in the run's
namespaces (the dnsmasq its server started) are stopped by their ids and the namespaces removed.
Without root or `ip` there is no such host: the cloud then runs without a network agent.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PHYSICAL = "phys0"  # the VXLAN underlay: one end of a veth pair, both ends in the namespace
UNDERLAY_ADDRESS = "192.0.2.1/24"  # TEST-NET-1: the agent sends VXLAN from it


def ip(*argv: str) -> None:
    subprocess.run(["ip", *argv], check=True, capture_output=True)


def available() -> bool:
    return os.geteuid() == 0 and shutil.which("ip") is not None


def agent_env(name: str) -> dict[str, str]:
    """The settings that run the embedded network agent inside namespace `name`."""
    return {"SKYLEDGER_EMBEDDED_NETWORK": "true", "SKYLEDGER_NETWORK_NAMESPACE": name,
            "SKYLEDGER_SEGMENT_TYPE": "vxlan", "SKYLEDGER_PHYSICAL_INTERFACE": PHYSICAL,
            "SKYLEDGER_ROUTER_NAMESPACE_PREFIX": f"{name}-qr-"}


@contextmanager
def network_host() -> Iterator[dict[str, str]]:
    """The SKYLEDGER_* settings of the server's network agent ({} when there is no host)."""
    if not available():
        print("ops/conformance: not root: no network agent, Tempest skips its DHCP agent "
              "scheduler tests", file=sys.stderr)
        yield {}
        return
    name = f"sky-tempest-{secrets.token_hex(3)}"
    ip("netns", "add", name)
    try:
        ip("-n", name, "link", "set", "lo", "up")
        ip("-n", name, "link", "add", PHYSICAL, "type", "veth", "peer", "name", "phys1")
        ip("-n", name, "addr", "add", UNDERLAY_ADDRESS, "dev", PHYSICAL)
        for device in (PHYSICAL, "phys1"):
            ip("-n", name, "link", "set", device, "up")
        yield agent_env(name)
    finally:
        remove(name)


def remove(name: str) -> None:
    """Stop what runs in the run's namespaces, then delete them (routers' first)."""
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    routers = [line.split()[0] for line in listed.splitlines()
               if line.startswith(f"{name}-qr-")]
    for namespace in [*routers, name]:
        stop(namespace)
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True)


def pids_in(namespace: str) -> set[int]:
    listed = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True)
    return {int(pid) for pid in listed.stdout.split()}


def stop(namespace: str, grace_s: float = 5.0) -> None:
    """SIGTERM the processes in `namespace`, then SIGKILL those still in it after `grace_s`
    (daemons such as dnsmasq are not our children: their exit is seen, not waited for)."""
    pids = pids_in(namespace)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in pids & pids_in(namespace):  # never a reused id: only what is still in there
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
