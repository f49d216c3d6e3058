"""A management segment for test hosts: the way their processes reach the machine's PostgreSQL.

A network namespace of the test's own holds a bridge with one tap per VM (TapNic: each VM's
QEMU runs in that namespace and opens its tap there) and the address the guests connect to.
PostgreSQL keeps listening on the machine's loopback only; two socat relays carry each
connection across, joined by a unix socket (a path, which no namespace owns): one listens in
the test namespace and connects to the socket, the other listens on the socket and connects to
PostgreSQL's 127.0.0.1. Simpler than a private PostgreSQL in the namespace (a second cluster to
initialise per run) and PostgreSQL sees an ordinary loopback client, so its authentication is
the one every test uses. No interface of the machine's is touched or carries the traffic.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.support.network_namespaces import Namespaces, ip
from tests.support.waiting import wait_for

BRIDGE = "mgmt0"
SUBNET_PREFIX = "10.254.0"  # inside the test namespace and the guests only
GATEWAY = f"{SUBNET_PREFIX}.1"  # the bridge's address: where the guests find PostgreSQL


@dataclass(frozen=True)
class ManagementSegment:
    netns: str
    database_url: str  # the same database, as the guests reach it

    @staticmethod
    def address(number: int) -> str:
        """A guest's address on the segment (number 2 and up)."""
        return f"{SUBNET_PREFIX}.{number}/24"


@contextmanager
def management_segment(taps: list[str], database_url: str) -> Iterator[ManagementSegment]:
    """The namespace with its bridge, `taps` on it, and PostgreSQL of `database_url` relayed to
    GATEWAY at the same port; all removed at exit (the relays killed by pid)."""
    host_side = urlsplit(database_url)
    assert host_side.hostname in ("127.0.0.1", "localhost"), f"not a loopback URL: {database_url}"
    port = host_side.port or 5432
    namespaces = Namespaces()
    relays: list[subprocess.Popen[bytes]] = []
    socket_dir = Path(tempfile.mkdtemp(prefix="sky-pg-"))
    relay_socket = socket_dir / "pg.sock"
    with ExitStack() as cleanup:
        cleanup.callback(socket_dir.rmdir)
        cleanup.callback(lambda: relay_socket.unlink(missing_ok=True))
        cleanup.callback(namespaces.remove_all)
        cleanup.callback(_stop, relays)
        ns = namespaces.new("mgmt")
        ip(ns, "link", "add", BRIDGE, "type", "bridge")
        ip(ns, "addr", "add", f"{GATEWAY}/24", "dev", BRIDGE)
        ip(ns, "link", "set", BRIDGE, "up")
        for tap in taps:
            ip(ns, "tuntap", "add", "dev", tap, "mode", "tap")
            ip(ns, "link", "set", tap, "master", BRIDGE)
            ip(ns, "link", "set", tap, "up")
        relays.append(subprocess.Popen(
            ["socat", f"UNIX-LISTEN:{relay_socket},fork",
             f"TCP:{host_side.hostname}:{port}"], stdin=subprocess.DEVNULL))
        wait_for(relay_socket.exists, "the PostgreSQL relay's unix socket")
        relays.append(subprocess.Popen(
            ["ip", "netns", "exec", ns, "socat",
             f"TCP-LISTEN:{port},bind={GATEWAY},reuseaddr,fork", f"UNIX-CONNECT:{relay_socket}"],
            stdin=subprocess.DEVNULL))
        wait_for(lambda: _listening(ns, port), f"the PostgreSQL relay on {GATEWAY}:{port}")
        netloc = host_side.netloc.replace(f"{host_side.hostname}", GATEWAY, 1)
        yield ManagementSegment(ns, urlunsplit(host_side._replace(netloc=netloc)))


def _listening(ns: str, port: int) -> bool:
    found = subprocess.run(["ip", "netns", "exec", ns, "ss", "-Hltn", f"sport = :{port}"],
                           capture_output=True, text=True, timeout=15, check=False)
    return bool(found.stdout.strip())


def _stop(relays: list[subprocess.Popen[bytes]]) -> None:
    for relay in relays:
        if relay.poll() is None:
            os.kill(relay.pid, signal.SIGTERM)
        relay.wait(10)
