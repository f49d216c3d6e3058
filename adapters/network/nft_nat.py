"""The NatRules port over nftables, driven by the `nft` tool inside a namespace.

Why the tool and not pyroute2: pyroute2 0.9.7's nftables API is marked a prototype, has no
namespace parameter, and offers expression helpers for masquerade, verdicts and address
matches only, with no dnat/snat; `nft -f -` also applies a whole batch as one kernel
transaction, so replacing a floating IP's rules is atomic. pyroute2 still does the rest: the
floating address on the external interface and the conntrack clean-up on disassociate.
"""

from __future__ import annotations

import errno
import threading
from collections import defaultdict
from collections.abc import Callable
from ipaddress import IPv4Address

from pyroute2.conntrack import Conntrack
from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.nfnetlink.nfctsocket import NFCTAttrTuple

from adapters.network import nft_ruleset as ruleset
from adapters.network.floating_addresses import FloatingAddresses
from adapters.network.namespaces import run_in
from domain.network.backends import FloatingIpMapping, FloatingIpRules, NetworkError
from domain.process.effects import record

_ATTEMPTS = 2  # a rule deleted by hand between our listing and our batch: list again once


class NatError(NetworkError):
    """nft refused a batch or could not list the table (the message carries what it said)."""


class NftNatRules:
    """Floating IPs inside `netns` (None: this process's namespace). With `external_interface`
    each floating address is also bound (/32, see floating_addresses) to that interface, so the
    host answers ARP for it, and SNAT applies only to traffic leaving through it."""

    def __init__(self, netns: str | None = None, external_interface: str | None = None,
                 isolate_bridges: str | None = "brq*", nft: str = "nft") -> None:
        self.netns = netns
        self.external_interface = external_interface
        self.isolate_bridges = isolate_bridges
        self.nft = nft
        self._addresses = (FloatingAddresses(external_interface, netns)
                           if external_interface else None)
        self._lock = threading.Lock()

    def associate(self, mapping: FloatingIpMapping) -> None:
        with self._lock:
            self._retrying(lambda: self._associate(mapping))
            if self._addresses is not None:
                self._addresses.bind(mapping.floating_ip)

    def disassociate(self, floating_ip: IPv4Address) -> None:
        with self._lock:
            self._retrying(lambda: self._disassociate(floating_ip))
            if self._addresses is not None:
                self._addresses.unbind(floating_ip)
            self._forget_connections(floating_ip)

    def list_rules(self) -> dict[IPv4Address, FloatingIpRules]:
        with self._lock:
            by_ip: dict[IPv4Address, list[ruleset.NatRule]] = defaultdict(list)
            for rule in self._rules():
                by_ip[rule.floating_ip].append(rule)
            bound = self._addresses.bound() if self._addresses is not None else None
            ips = set(by_ip) | (bound or set())
            return {ip: FloatingIpRules(ip, _target(by_ip[ip], "dnat"), _target(by_ip[ip], "snat"),
                                        None if bound is None else ip in bound)
                    for ip in sorted(ips)}

    def prepare(self) -> None:
        """The table, its chains and the isolation rule, plus IPv4 forwarding (floating IPs are
        routed to the guests' bridges). `associate` does this too; an agent may call it first."""
        with self._lock:
            self._apply(ruleset.BASE + ruleset.isolation_rules(self.isolate_bridges))
            self._enable_forwarding()

    # -- nft ------------------------------------------------------------------------------------
    def _associate(self, mapping: FloatingIpMapping) -> None:
        mine = [rule for rule in self._rules() if rule.floating_ip == mapping.floating_ip]
        wanted = [("dnat", mapping.fixed_ip), ("snat", mapping.fixed_ip)]
        if sorted((rule.kind, rule.fixed_ip) for rule in mine) == wanted:
            return  # already exactly there
        self._apply(ruleset.BASE + ruleset.isolation_rules(self.isolate_bridges)
                    + ruleset.delete_rules([(rule.chain, rule.handle) for rule in mine])
                    + ruleset.mapping_rules(mapping.floating_ip, mapping.fixed_ip,
                                            self.external_interface))
        record("nftables", "add dnat/snat", str(mapping.floating_ip),
               fixed_ip=mapping.fixed_ip, replaced=len(mine), netns=self.netns)
        self._enable_forwarding()

    def _disassociate(self, floating_ip: IPv4Address) -> None:
        mine = [(rule.chain, rule.handle) for rule in self._rules()
                if rule.floating_ip == floating_ip]
        if mine:
            self._apply(ruleset.delete_rules(mine))
            record("nftables", "delete dnat/snat", str(floating_ip), rules=len(mine),
                   netns=self.netns)

    def _rules(self) -> list[ruleset.NatRule]:
        result = run_in(self.netns, [self.nft, "-j", "list", "table", ruleset.FAMILY,
                                     ruleset.TABLE])
        if result.returncode != 0:
            if "No such file or directory" in result.stderr:
                return []  # no table yet: nothing was ever associated here
            raise NatError(f"nft list failed: {result.stderr.strip()}")
        return ruleset.parse_listing(result.stdout)

    def _apply(self, batch: str) -> None:
        result = run_in(self.netns, [self.nft, "-f", "-"], stdin=batch)
        if result.returncode != 0:
            raise NatError(f"nft refused the batch: {result.stderr.strip()}\n{batch}")

    def _retrying(self, action: Callable[[], None]) -> None:
        for attempt in range(_ATTEMPTS):
            try:
                action()
                return
            except NatError:
                if attempt == _ATTEMPTS - 1:
                    raise

    def _enable_forwarding(self) -> None:
        result = run_in(self.netns, ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        if result.returncode != 0:
            raise NatError(f"cannot enable IPv4 forwarding: {result.stderr.strip()}")

    # -- pyroute2 -------------------------------------------------------------------------------
    def _forget_connections(self, floating_ip: IPv4Address) -> None:
        forget_connections(self.netns, floating_ip)


def forget_connections(netns: str | None, floating_ip: IPv4Address) -> None:
    """Conntrack keeps translating a connection it has seen even after its rule is gone:
    without this, a flow started before a floating IP's rules went would still reach its
    port."""
    address = str(floating_ip)
    with Conntrack(netns=netns) if netns else Conntrack() as conntrack:
        doomed = [*conntrack.dump_entries(tuple_orig=NFCTAttrTuple(daddr=address)),
                  *conntrack.dump_entries(tuple_reply=NFCTAttrTuple(daddr=address))]
        for entry in doomed:
            try:
                conntrack.delete(entry)
            except NetlinkError as error:
                if error.code != errno.ENOENT:  # expired meanwhile
                    raise


def _target(rules: list[ruleset.NatRule], kind: str) -> IPv4Address | None:
    """The one address the rules of this kind agree on; None when there are none, or when
    duplicates disagree (a state associate must repair)."""
    targets = {rule.fixed_ip for rule in rules if rule.kind == kind}
    return targets.pop() if len(targets) == 1 else None
