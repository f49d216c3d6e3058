"""Frames read back from a pcap file (what QEMU's filter-dump writes): their 802.1Q tag and the
IPv4 or ARP addresses they carry, decoded here so that the test needs no capture tool."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path

GLOBAL_HEADER, RECORD_HEADER = 24, 16
ETH_8021Q, ETH_IPV4, ETH_ARP = 0x8100, 0x0800, 0x0806
ICMP = 1


@dataclass(frozen=True)
class Frame:
    vlan: int | None  # the 802.1Q VLAN id, None for an untagged frame
    kind: str  # "icmp", "ipv4" (another protocol), "arp" or "other"
    source: IPv4Address | None = None
    destination: IPv4Address | None = None


def frames(path: Path) -> list[Frame]:
    data = path.read_bytes()
    magic = data[:4]
    assert magic in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4"), f"{path} is not a pcap file"
    order = "<" if magic == b"\xd4\xc3\xb2\xa1" else ">"
    found, offset = [], GLOBAL_HEADER
    while offset + RECORD_HEADER <= len(data):
        captured = struct.unpack_from(f"{order}I", data, offset + 8)[0]
        offset += RECORD_HEADER
        found.append(decode(data[offset:offset + captured]))
        offset += captured
    return found


def decode(frame: bytes) -> Frame:
    ethertype, payload = struct.unpack_from("!H", frame, 12)[0], frame[14:]
    vlan = None
    if ethertype == ETH_8021Q:
        vlan = struct.unpack_from("!H", frame, 14)[0] & 0x0FFF
        ethertype, payload = struct.unpack_from("!H", frame, 16)[0], frame[18:]
    if ethertype == ETH_IPV4:
        kind = "icmp" if payload[9] == ICMP else "ipv4"
        return Frame(vlan, kind, IPv4Address(payload[12:16]), IPv4Address(payload[16:20]))
    if ethertype == ETH_ARP:  # sender and target protocol addresses
        return Frame(vlan, "arp", IPv4Address(payload[14:18]), IPv4Address(payload[24:28]))
    return Frame(vlan, "other")
