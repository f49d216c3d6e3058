"""The VifPlugger port over pyroute2: the bridges a guest's NICs join, made before it starts.

Only the bridge: the segment interface under it, its gateway address and DHCP are the network
agent's (adapters/network/host_network.py), which finds the bridge already there and completes
it. A name taken by something that is not a bridge is refused, as the agent refuses it.
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Sequence

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from adapters.network.links import get_link
from adapters.network.namespaces import KeptIPRoute
from domain.compute.backends import HypervisorError
from domain.process.effects import record


class PyrouteVifPlugger:
    def __init__(self, netns: str | None = None) -> None:
        self.netns = netns
        self._socket = KeptIPRoute(netns)
        self._lock = threading.Lock()

    def plug(self, bridges: Sequence[str]) -> None:
        with self._lock:
            for name in bridges:
                try:
                    self._ensure_bridge(name)
                except NetlinkError as error:
                    raise HypervisorError(f"cannot make bridge {name}: {error}") from error

    def close(self) -> None:
        with self._lock:
            self._socket.close()

    @property
    def ipr(self) -> IPRoute:
        return self._socket.get()

    def _ensure_bridge(self, name: str) -> None:
        bridge = get_link(self.ipr, name)
        if bridge is None:
            try:
                self.ipr.link("add", ifname=name, kind="bridge")
                record("pyroute2", "link add", name, kind="bridge", netns=self.netns)
            except NetlinkError as error:
                if error.code != errno.EEXIST:  # the agent made it meanwhile
                    raise
            bridge = get_link(self.ipr, name)
        if bridge is None or bridge.kind != "bridge":
            kind = "gone" if bridge is None else f"a {bridge.kind or 'plain'} interface"
            raise HypervisorError(f"{name} should be a bridge but is {kind}")
        if not bridge.up:
            self.ipr.link("set", index=bridge.index, state="up")
            record("pyroute2", "link set", name, state="up", netns=self.netns)
