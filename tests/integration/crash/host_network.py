"""An independent reading of what a network agent left on a host namespace: links with `ip`,
processes from /proc, NAT rules from nft (the adapter's own reading, as test_nat.py checks it
against traffic)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections import Counter
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path

from adapters.network.nft_nat import NftNatRules


@dataclass(frozen=True)
class HostState:
    bridges: frozenset[int]  # segmentation ids of brq<sid>
    segments: dict[int, str | None]  # vx<sid> -> the bridge it is enslaved to
    dnsmasq: Counter[str]  # network id (its configuration directory) -> running servers
    reservations: dict[str, frozenset[str]]  # network id -> "mac,ip" its server has loaded
    strangers: tuple[str, ...]  # any other process in the namespace
    nat: frozenset[IPv4Address]

    def summary(self) -> str:
        return (f"bridges {sorted(self.bridges)}, segments {self.segments}, dnsmasq "
                f"{dict(self.dnsmasq)}, reservations {self.reservations}, others "
                f"{self.strangers}, nat {sorted(self.nat)}")


def read_host(ns: str) -> HostState:
    out = subprocess.run(["ip", "-n", ns, "-d", "-j", "link", "show"], capture_output=True,
                         text=True, timeout=15, check=True).stdout
    bridges, segments = set(), {}
    for link in json.loads(out):
        name = link["ifname"]
        if name.startswith("brq"):
            bridges.add(int(name[3:]))
        elif name.startswith("vx"):
            segments[int(name[2:])] = link.get("master")
    dnsmasq: Counter[str] = Counter()
    reservations, strangers = {}, []
    for pid, argv in processes_in(ns):
        conf = [a for a in argv if a.startswith("--conf-file=")]
        if Path(argv[0]).name == "dnsmasq" and conf:
            directory = Path(conf[0].split("=", 1)[1]).parent
            dnsmasq[directory.name] += 1
            reservations[directory.name] = loaded_reservations(directory)
        else:
            strangers.append(f"{pid}: {' '.join(argv)}")
    return HostState(frozenset(bridges), segments, dnsmasq, reservations, tuple(strangers),
                     frozenset(NftNatRules(netns=ns).list_rules()))


def loaded_reservations(directory: Path) -> frozenset[str]:
    """`mac,ip` of each line of a server's hosts file, if the server has loaded that file: the
    adapter records the digest of what it last made the server read in `applied`
    (adapters/network/dnsmasq.py); a hosts file written but not yet signalled reads as such.
    A server being stopped loses its directory (stop removes it) while we look: that reads as
    such too, never as anything the host should hold, so a wait simply looks again."""
    try:
        text = (directory / "hosts").read_text()
        applied_file = directory / "applied"
        applied = applied_file.read_text().split() if applied_file.exists() else []
    except FileNotFoundError:
        return frozenset({"(state directory removed while read)"})
    if applied[1:2] != [hashlib.sha256(text.encode()).hexdigest()]:
        return frozenset({"(hosts file not loaded)"})
    return frozenset(",".join(line.lower().split(",")[:2]) for line in text.splitlines())


def processes_in(ns: str) -> list[tuple[int, list[str]]]:
    """Every live process whose network namespace is `ns` (matched by inode), with its argv."""
    inode = os.stat(f"/run/netns/{ns}").st_ino
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.readlink(entry / "ns" / "net") != f"net:[{inode}]":
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            argv = [a.decode() for a in (entry / "cmdline").read_bytes().split(b"\0") if a]
        except (OSError, IndexError):  # gone meanwhile, or not ours to look into
            continue
        if state not in ("Z", "X") and argv:
            found.append((int(entry.name), argv))
    return found
