"""A network agent running for one host (`skyledger network-agent`; built by ops/bootstrap.py).

Settings it is built from: `host`, `segment_type` (vlan | vxlan), `physical_interface`,
`agent_down_time` and `allow_automatic_l3agent_failover` (routers of a silent host's agent
move to a live one: l3_failover.py), `network_namespace` (run the adapters inside it;
unset: this process's own, the production case), `data_dir` (dnsmasq state goes to
`<data_dir>/dhcp/<host>`), `database_url`,
`external_interface` (floating addresses are bound there and SNAT applies to traffic leaving
through it; unset: rules only), `external_bridge` (routers' gateways plug in there; unset: routers
have none) and `router_namespace_prefix` (a router is the namespace `<prefix><router id>`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from adapters.settings import Settings
from domain.process.network.agent import NetworkAgent
from domain.process.network.l3_failover import L3Failover
from domain.process.network.liveness import AgentLiveness
from ops.process_threads import RunningLoop, start_threads


def dhcp_dir_for(settings: Settings, host: str) -> Path:
    return settings.data_dir / "dhcp" / host


@dataclass
class NetworkAgentHost(RunningLoop):
    """The agent's loop, and beside it the thread that registers it and beats."""

    role = "network agent"
    liveness: AgentLiveness | None = None
    failover: L3Failover | None = None  # checks at every report interval
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> Self:
        liveness, failover, stop = self.liveness, self.failover, self._stop
        beats = [] if liveness is None else [(lambda: liveness.run(stop), "network-heartbeat")]
        if failover is not None and liveness is not None:
            interval = liveness.report_interval
            beats.append((lambda: failover.run(stop, interval), "l3-failover"))
        self._threads = start_threads(self.loop, self.role.replace(" ", "-"), beats)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        super().stop(timeout)

    @property
    def agent(self) -> NetworkAgent:
        return self.loop  # type: ignore[no-any-return]
