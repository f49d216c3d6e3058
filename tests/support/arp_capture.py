"""The ARP frames one interface of a test namespace receives, to see gratuitous ARP on the wire.

`python -m tests.support.arp_capture IFACE`, run inside the namespace, binds a packet socket to
IFACE, prints `ready`, then one JSON line per ARP frame (op, sender MAC and IP, target IP). The
test side (`arp_capture`) starts it with `ip netns exec`, waits for `ready` before letting the
test act, and kills it (its own child, by pid) at the end.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ETH_P_ARP = 0x0806
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ArpFrame:
    op: int  # 1 request, 2 reply
    sender_mac: str
    sender_ip: str
    target_ip: str

    @property
    def gratuitous(self) -> bool:
        return self.sender_ip == self.target_ip


@dataclass
class ArpCapture:
    lines: queue.Queue[str]
    seen: list[ArpFrame] = field(default_factory=list)

    def next_line(self, deadline: float) -> str | None:
        try:
            return self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None

    def announced(self, addresses: set[str], rounds: int = 1,
                  timeout: float = 15.0) -> list[ArpFrame]:
        """The gratuitous frames seen once every address of `addresses` was announced both
        ways (a request and a reply) `rounds` times; fails at `timeout` with what was seen."""
        deadline = time.monotonic() + timeout

        def done() -> bool:
            counts = Counter((f.sender_ip, f.op) for f in self.seen if f.gratuitous)
            return all(counts[(a, op)] >= rounds for a in addresses for op in (1, 2))

        while not done():
            line = self.next_line(deadline)
            if line is None:
                raise AssertionError(f"no gratuitous ARP for all of {sorted(addresses)} within "
                                     f"{timeout} s; seen: {self.seen}")
            self.seen.append(ArpFrame(**json.loads(line)))
        return [f for f in self.seen if f.gratuitous and f.sender_ip in addresses]


def neighbour_macs(ns: str, device: str) -> dict[str, str]:
    """The namespace's IPv4 neighbour table on `device`: address -> MAC."""
    out = subprocess.run(["ip", "-n", ns, "-4", "-j", "neigh", "show", "dev", device],
                         capture_output=True, text=True, timeout=15, check=True).stdout
    return {n["dst"]: n["lladdr"] for n in json.loads(out or "[]") if "lladdr" in n}


def neighbours_become(ns: str, device: str, wanted: dict[str, str],
                      timeout: float = 10.0) -> dict[str, str]:
    """The neighbour table once it holds `wanted` (address -> MAC), or as it was at `timeout`
    (the kernel updates it as each frame arrives; this polls for that condition)."""
    deadline = time.monotonic() + timeout
    while True:
        table = neighbour_macs(ns, device)
        if all(table.get(a) == m for a, m in wanted.items()) or time.monotonic() > deadline:
            return table
        threading.Event().wait(0.05)


@contextmanager
def arp_capture(ns: str, interface: str) -> Iterator[ArpCapture]:
    argv = ["ip", "netns", "exec", ns, sys.executable, "-m", "tests.support.arp_capture",
            interface]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.strip())

    threading.Thread(target=read, daemon=True).start()
    capture = ArpCapture(lines)
    try:
        if capture.next_line(time.monotonic() + 15.0) != "ready":
            process.kill()
            _, err = process.communicate(timeout=5)
            raise AssertionError(f"ARP capture in {ns} did not start: {err}")
        yield capture
    finally:
        process.kill()
        process.wait(timeout=5)


def main(interface: str) -> None:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    sock.bind((interface, ETH_P_ARP))
    print("ready", flush=True)
    while True:
        frame = sock.recv(256)
        arp = frame[14:42]
        if len(arp) < 28:
            continue
        op = struct.unpack("!H", arp[6:8])[0]
        print(json.dumps({"op": op, "sender_mac": arp[8:14].hex(":"),
                          "sender_ip": socket.inet_ntoa(arp[14:18]),
                          "target_ip": socket.inet_ntoa(arp[24:28])}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
