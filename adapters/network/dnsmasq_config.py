"""The files of one project network's dnsmasq: where they live and what they say.

Everything dnsmasq needs is in its own configuration file (nothing on its command line), so
"is the running server configured as wanted?" is a comparison of two texts, and the command line
found in /proc identifies the server by its configuration path.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from domain.network.backends import METADATA_ADDRESS, DhcpHost, DhcpNetwork


@dataclass(frozen=True)
class DnsmasqFiles:
    directory: Path

    @classmethod
    def of(cls, state_dir: Path, network_id: str) -> DnsmasqFiles:
        return cls(state_dir / network_id)

    @property
    def config(self) -> Path:
        return self.directory / "dnsmasq.conf"

    @property
    def hosts(self) -> Path:
        return self.directory / "hosts"

    @property
    def leases(self) -> Path:
        return self.directory / "leases"

    @property
    def pid(self) -> Path:
        return self.directory / "pid"

    @property
    def log(self) -> Path:
        return self.directory / "dnsmasq.log"

    @property
    def applied(self) -> Path:
        return self.directory / "applied"


def render_config(network: DhcpNetwork, files: DnsmasqFiles, user: str) -> str:
    subnet = network.subnet
    lines = [
        "# Written by skyledger: the DHCP server of one project network. Do not edit.",
        "port=0",  # no DNS: this server only hands out the reserved addresses
        "no-resolv",
        "no-hosts",
        f"interface={network.bridge}",
        "except-interface=lo",
        # Several project networks' servers share the host namespace, each on its own bridge:
        # bind-interfaces keeps each one on its bridge instead of on the wildcard address.
        "bind-interfaces",
        # `static`: no pool at all, only the MACs in the hosts file get an address.
        f"dhcp-range=set:net,{subnet.network_address},static,{subnet.netmask},"
        f"{network.lease_seconds}s",
        # The reservations are the truth: answer at once, and NAK a lease from anywhere else.
        "dhcp-authoritative",
        f"dhcp-hostsfile={files.hosts}",
        f"dhcp-leasefile={files.leases}",
        f"pid-file={files.pid}",
        f"log-facility={files.log}",
        "log-dhcp",
        # Root, because the state directory may be readable by root only and dnsmasq re-reads
        # the hosts file on SIGHUP after dropping privileges.
        f"user={user}",
    ]
    if network.gateway is not None:
        lines.append(f"dhcp-option=tag:net,option:router,{network.gateway}")
    else:
        lines.append("dhcp-option=tag:net,option:router")  # an empty option: no default route
    if network.metadata_via is not None:
        # Option 121 replaces the router option for a client that takes it: the default route
        # goes in it too (RFC 3442).
        routes = f"{METADATA_ADDRESS}/32,{network.metadata_via}" + (
            f",0.0.0.0/0,{network.gateway}" if network.gateway is not None else "")
        lines.append(f"dhcp-option=tag:net,option:classless-static-route,{routes}")
    if network.mtu is not None:
        lines.append(f"dhcp-option=tag:net,option:mtu,{network.mtu}")
    if network.dns_servers:
        servers = ",".join(str(server) for server in network.dns_servers)
        lines.append(f"dhcp-option=tag:net,option:dns-server,{servers}")
    return "\n".join(lines) + "\n"


def render_hosts(hosts: Iterable[DhcpHost]) -> str:
    """dnsmasq's dhcp-hostsfile: `mac,ip[,hostname]` per line, sorted so that an unchanged set
    of reservations gives an unchanged file (and no needless reload)."""
    lines = []
    for host in sorted(hosts, key=lambda h: (h.ip, h.mac)):
        fields = [host.mac, str(host.ip)] + ([host.hostname] if host.hostname else [])
        lines.append(",".join(fields))
    return "".join(line + "\n" for line in lines)


def write_if_changed(path: Path, text: str) -> bool:
    """Replace the file atomically (dnsmasq never reads half of it); False when it already
    said exactly that."""
    try:
        if path.read_text() == text:
            return False
    except FileNotFoundError:
        pass
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(text)
    os.replace(partial, path)
    return True
