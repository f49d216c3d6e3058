"""The RouterHost port over network namespaces, pyroute2 and nftables.

A router is the namespace `<prefix><router uuid>` (Neutron's `qrouter-<id>`). Each of its legs
is a veth pair: `qr-<port>` (a subnet) or `qg-<port>` (the gateway) inside, `tap<port>` in the
host's namespace, enslaved to the leg's bridge. Every step first reads what is there and only
does what is missing or wrong, so `ensure` replayed is a no-op and `ensure` after a crash (or
after someone deleted a leg by hand) finishes the job; what is not wanted (a leg of a removed
interface, a stale address or route) is removed. Extra routes and the default route are the
namespace's `static` routes: nothing else there makes any. Each IPv4 address a leg takes on
is announced by gratuitous ARP (adapters/network/gratuitous_arp.py) once the router is built,
so a router built anew on another host (a failover) is found there at once. IPv6 legs whose
subnet has an `ipv6_ra_mode` are advertised by a radvd in the namespace (router_radvd.py).
"""

from __future__ import annotations

import errno
import socket
import threading
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from uuid import UUID

from pyroute2 import IPRoute, netns
from pyroute2.netlink.exceptions import NetlinkError

from adapters.network import router_nat
from adapters.network.gratuitous_arp import announce
from adapters.network.links import get_link, read_global_addresses, read_links
from adapters.network.namespaces import open_iproute, run_in
from adapters.network.nft_nat import forget_connections
from adapters.network.router_radvd import RouterAdvertisements
from domain.network.backends import NetworkError
from domain.network.router_backend import (
    RouterLeg,
    RouterSpec,
    RouterState,
    bridge_side_name,
    gateway_name,
    interface_name,
)
from domain.process.effects import record

RTPROT_STATIC = 4
IFA_F_NODAD = 0x02
# IPv4 and IPv6 (the router routes its IPv6 subnets too; none are translated).
FORWARDING = ("net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding")
LEG_PREFIXES = ("qr-", "qg-")
RADVD_DIR = Path("/run/skyledger/radvd")  # radvd's files, unless the agent names a directory


class NamespaceRouters:
    """Routers whose bridges are in `netns` (None: this process's namespace). `prefix` starts
    every router namespace's name: the host's routers are the namespaces carrying it; radvd's
    files go in `radvd_dir`."""

    def __init__(self, netns: str | None = None, prefix: str = "qrouter-",
                 radvd_dir: Path = RADVD_DIR) -> None:
        self.netns, self.prefix = netns, prefix
        self.advertisements = RouterAdvertisements(radvd_dir)
        self._lock = threading.Lock()

    def namespace(self, router_id: str) -> str:
        return f"{self.prefix}{UUID(router_id)}"

    # -- the port ------------------------------------------------------------------------------
    def ensure(self, spec: RouterSpec) -> None:
        name = self.namespace(spec.router_id)
        with self._lock:
            if name not in netns.listnetns():
                netns.create(name)
                record("pyroute2", "netns add", name)
            try:
                with open_iproute(self.netns) as host, open_iproute(name) as inside:
                    self._ensure_legs(host, inside, name, spec)
                    added = self._ensure_addresses(inside, spec)
                    self._ensure_routes(inside, spec)
                self._ensure_forwarding(name)
                self._ensure_nat(name, spec)
                self.advertisements.ensure(name, spec.advertised_legs())
            except NetlinkError as error:
                raise NetworkError(f"router {spec.router_id}: {error}") from error
            for leg_name, addresses in sorted(added.items()):
                announce(name, leg_name, addresses)

    def remove(self, router_id: str) -> None:
        name = self.namespace(router_id)
        with self._lock:
            self.advertisements.stop(name)
            if name in netns.listnetns():
                # The kernel tears a namespace down in the background once unused: its legs
                # are deleted first, so their ends are off the bridges when this returns.
                with open_iproute(name) as inside:
                    for leg_name, link in read_links(inside).items():
                        if leg_name.startswith(LEG_PREFIXES):
                            inside.link("del", index=link.index)
                netns.remove(name)  # conntrack and the NAT table go with it
                record("pyroute2", "netns del", name)

    def routers(self) -> set[str]:
        found = set()
        for name in netns.listnetns():
            if name.startswith(self.prefix):
                try:
                    found.add(UUID(name[len(self.prefix):]).hex)
                except ValueError:
                    continue  # someone else's namespace that happens to share the prefix
        return found

    def state(self, router_id: str) -> RouterState | None:
        name = self.namespace(router_id)
        with self._lock:
            if name not in netns.listnetns():
                return None
            with open_iproute(self.netns) as host, open_iproute(name) as inside:
                links = {n: link for n, link in read_links(inside).items()
                         if n.startswith(LEG_PREFIXES)}
                addresses = read_global_addresses(inside)
                host_links = read_links(host)
                by_index = {link.index: link for link in host_links.values()}
                plugged = {}
                for leg_name in links:
                    side = host_links.get("tap" + leg_name[3:])
                    bridge = by_index.get(side.master) if side and side.master else None
                    if side and side.up and bridge is not None:
                        plugged[side.name] = bridge.name
                default, routes = self._static_routes(inside)
                return RouterState(
                    router_id=UUID(router_id).hex,
                    addresses={n: addresses.get(link.index, frozenset())
                               for n, link in links.items() if link.up},
                    macs={n: self._mac(inside, n) for n in links},
                    plugged=plugged, forwarding=self._forwarding(name), default_via=default,
                    routes=routes, nat=router_nat.translations(name),
                    advertising=self.advertisements.advertising(name))

    # -- legs ----------------------------------------------------------------------------------
    def _ensure_legs(self, host: IPRoute, inside: IPRoute, name: str, spec: RouterSpec) -> None:
        wanted = {interface_name(leg): leg for leg in spec.interfaces}
        if spec.gateway is not None:
            wanted[gateway_name(spec.gateway)] = spec.gateway
        for leg_name, link in read_links(inside).items():
            if leg_name.startswith(LEG_PREFIXES) and leg_name not in wanted:
                inside.link("del", index=link.index)  # its host end goes with it
                record("pyroute2", "link del", leg_name, netns=name)
        for leg_name, leg in sorted(wanted.items()):
            self._ensure_leg(host, inside, name, leg_name, leg)

    def _ensure_leg(self, host: IPRoute, inside: IPRoute, name: str, leg_name: str,
                    leg: RouterLeg) -> None:
        side_name = bridge_side_name(leg)
        link, side = get_link(inside, leg_name), get_link(host, side_name)
        if link is not None and side is None:  # a veth whose other end is not ours
            inside.link("del", index=link.index)
            link = None
        if link is None:
            self._make_veth(host, name, leg_name, side_name, leg.mac)
            link, side = get_link(inside, leg_name), get_link(host, side_name)
        assert link is not None and side is not None  # just made
        if self._mac(inside, leg_name) != leg.mac:
            inside.link("set", index=link.index, state="down")
            inside.link("set", index=link.index, address=leg.mac)
            record("pyroute2", "link set", leg_name, address=leg.mac, netns=name)
            link = get_link(inside, leg_name)
            assert link is not None
        if not link.up:
            inside.link("set", index=link.index, state="up")
            record("pyroute2", "link set", leg_name, state="up", netns=name)
        bridge = get_link(host, leg.bridge)
        if bridge is None or bridge.kind != "bridge":
            raise NetworkError(f"bridge {leg.bridge} of router port {leg.port_id} not found")
        if side.master != bridge.index or not side.up:
            host.link("set", index=side.index, master=bridge.index, state="up")
            record("pyroute2", "link set", side_name, master=leg.bridge, state="up",
                   netns=self.netns)

    def _make_veth(self, host: IPRoute, name: str, leg_name: str, side_name: str,
                   mac: str) -> None:
        """Both ends made in the host's namespace, then one moved into the router's; a pair
        half-made by a killed agent (either end left in the host's) is removed first."""
        for stale in (side_name, leg_name):
            link = get_link(host, stale)
            if link is not None:
                host.link("del", index=link.index)
        host.link("add", ifname=side_name, kind="veth", peer=leg_name)
        peer = get_link(host, leg_name)
        assert peer is not None
        host.link("set", index=peer.index, address=mac)
        host.link("set", index=peer.index, net_ns_fd=name)
        record("pyroute2", "link add", leg_name, kind="veth", peer=side_name, address=mac,
               netns=name)

    @staticmethod
    def _mac(inside: IPRoute, leg_name: str) -> str | None:
        try:
            msg = inside.link("get", ifname=leg_name)[0]
        except NetlinkError as error:
            if error.code == errno.ENODEV:
                return None
            raise
        return str(msg.get_attr("IFLA_ADDRESS"))

    # -- addresses and routes ------------------------------------------------------------------
    def _ensure_addresses(self, inside: IPRoute,
                          spec: RouterSpec) -> dict[str, list[IPv4Address]]:
        """Each leg's addresses as the spec has them; returns the IPv4 ones added, by leg."""
        added: dict[str, list[IPv4Address]] = {}
        present = read_global_addresses(inside)
        for leg_name, wanted in spec.addresses().items():
            link = get_link(inside, leg_name)
            assert link is not None  # made by _ensure_legs
            have = present.get(link.index, frozenset())
            for stale in have - wanted:
                inside.addr("del", index=link.index, address=str(stale.ip),
                            prefixlen=stale.network.prefixlen)
                record("pyroute2", "addr del", leg_name, address=stale)
            for missing in sorted(wanted - have, key=str):
                # An IPv6 address is usable at once, without duplicate address detection:
                # the address is the router port's, which no one else on the subnet holds.
                flags = {} if missing.version == 4 else {"flags": IFA_F_NODAD}
                inside.addr("add", index=link.index, address=str(missing.ip),
                            prefixlen=missing.network.prefixlen, **flags)
                record("pyroute2", "addr add", leg_name, address=missing)
                if isinstance(missing.ip, IPv4Address):
                    added.setdefault(leg_name, []).append(missing.ip)
        lo = get_link(inside, "lo")
        if lo is not None and not lo.up:
            inside.link("set", index=lo.index, state="up")
        return added

    def _ensure_routes(self, inside: IPRoute, spec: RouterSpec) -> None:
        default, routes = self._static_routes(inside)
        want_default = spec.upstream if spec.gateway is not None else None
        wanted = frozenset(spec.routes)
        for dst, via in routes - wanted:
            inside.route("del", dst=str(dst), gateway=str(via), proto=RTPROT_STATIC)
            record("pyroute2", "route del", str(dst), via=via)
        if default != want_default:
            if default is not None:
                inside.route("del", dst="0.0.0.0/0", gateway=str(default),
                             proto=RTPROT_STATIC)
            if want_default is not None:
                inside.route("add", dst="0.0.0.0/0", gateway=str(want_default),
                             proto=RTPROT_STATIC)
            record("pyroute2", "route replace", "default", via=want_default)
        for dst, via in sorted(wanted - routes):
            inside.route("replace", dst=str(dst), gateway=str(via), proto=RTPROT_STATIC)
            record("pyroute2", "route add", str(dst), via=via)

    @staticmethod
    def _static_routes(inside: IPRoute) -> tuple[
            IPv4Address | None, frozenset[tuple[IPv4Network, IPv4Address]]]:
        default, found = None, set()
        for msg in inside.get_routes(family=socket.AF_INET, table=254):
            if msg["proto"] != RTPROT_STATIC or not msg.get_attr("RTA_GATEWAY"):
                continue
            via = IPv4Address(msg.get_attr("RTA_GATEWAY"))
            if msg["dst_len"] == 0:
                default = via
            else:
                found.add((IPv4Network(f"{msg.get_attr('RTA_DST')}/{msg['dst_len']}"), via))
        return default, frozenset(found)

    # -- forwarding and NAT ----------------------------------------------------------------------
    @staticmethod
    def _forwarding(name: str) -> bool:
        result = run_in(name, ["sysctl", "-n", *FORWARDING])
        return result.returncode == 0 and result.stdout.split() == ["1"] * len(FORWARDING)

    def _ensure_forwarding(self, name: str) -> None:
        if not self._forwarding(name):
            settings = [f"{key}=1" for key in FORWARDING]
            result = run_in(name, ["sysctl", "-qw", *settings])
            if result.returncode != 0:
                raise NetworkError(f"cannot enable forwarding in {name}: {result.stderr}")
            record("sysctl", " ".join(settings), name)

    @staticmethod
    def _ensure_nat(name: str, spec: RouterSpec) -> None:
        present = router_nat.translations(name)
        if present == spec.nat():
            return
        router_nat.apply(name, spec)
        record("nftables", "replace router table", name, rules=len(spec.nat()))
        kept = {m.floating_ip for m in spec.floating}
        for kind, matched, _ in present:
            if kind == "dnat" and IPv4Address(matched) not in kept:
                forget_connections(name, IPv4Address(matched))

