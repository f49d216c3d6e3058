"""Security groups on a host: its port filters applied with `nft -f` inside a namespace.

The whole host's ruleset goes in one batch, so a pass is one kernel transaction: a port never
sees half of a change, and a membership change of a remote group is one re-apply (nothing is
restarted, established connections keep their conntrack entries). The `nft` tool rather than
pyroute2 for the reasons nft_nat gives.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence

from adapters.network import nft_port_filter_rules as rules
from adapters.network.namespaces import run_in
from domain.network.backends import NetworkError
from domain.network.port_filters import PortFilter
from domain.process.effects import record

# br_netfilter hands bridged IP packets to the inet hooks (and so to conntrack) only with these.
_SYSCTLS = ("net.bridge.bridge-nf-call-iptables=1", "net.bridge.bridge-nf-call-ip6tables=1")


class PortFilterError(NetworkError):
    """nft refused the batch or could not list the tables (the message carries what it said)."""


class NftPortFilters:
    """The security-group filters of the ports inside `netns` (None: this process's namespace)."""

    def __init__(self, netns: str | None = None, nft: str = "nft") -> None:
        self.netns = netns
        self.nft = nft
        self._lock = threading.Lock()
        self._last: str | None = None  # the batch last applied here


    def apply(self, filters: Sequence[PortFilter]) -> None:
        """Replace the host's whole security-group ruleset with `filters`, atomically."""
        batch = rules.render(filters)
        if batch == self._last and self.applied():
            return  # a re-plan that changed nothing here (an event about another host's ports)
        with self._lock:
            for setting in _SYSCTLS:
                self._run(["sysctl", "-qw", setting], "cannot let bridged traffic reach conntrack")
            self._run([self.nft, "-f", "-"], "nft refused the batch", stdin=batch)
            self._last = batch
        record("nftables", "apply security groups", self.netns or "host",
               ports=sum(1 for port in filters if port.enabled))

    def applied(self) -> bool:
        """Whether both of skyledger's security-group tables exist (a deleted one is drift)."""
        listing = self._run([self.nft, "-j", "list", "tables"], "nft list failed")
        names = {(item["table"]["family"], item["table"]["name"])
                 for item in json.loads(listing).get("nftables", []) if "table" in item}
        return {("inet", rules.TABLE), ("bridge", rules.TABLE)} <= names

    def _run(self, argv: list[str], failure: str, stdin: str | None = None) -> str:
        result = run_in(self.netns, argv, stdin=stdin)
        if result.returncode != 0:
            raise PortFilterError(f"{failure}: {result.stderr.strip()}")
        return result.stdout
