"""A network agent running for one host (`skyledger network-agent`; built by ops/bootstrap.py).

Settings it is built from: `host`, `segment_type` (vlan | vxlan), `physical_interface`,
`network_namespace` (run the adapters inside it; unset: this process's own, the production
case), `data_dir` (dnsmasq state goes to `<data_dir>/dhcp/<host>`), `database_url`,
`external_interface` (floating addresses are bound there and SNAT applies to traffic leaving
through it; unset: rules only).
"""

from __future__ import annotations

from pathlib import Path

from adapters.settings import Settings
from domain.process.network.agent import NetworkAgent
from ops.process_threads import RunningLoop


def dhcp_dir_for(settings: Settings, host: str) -> Path:
    return settings.data_dir / "dhcp" / host


class NetworkAgentHost(RunningLoop):
    role = "network agent"

    @property
    def agent(self) -> NetworkAgent:
        return self.loop  # type: ignore[no-any-return]
