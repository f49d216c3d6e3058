"""What the network agent's integration tests set up alike: a cloud with one compute host whose
instances get VXLAN networks (each test module its own range and supernet, so their bridges and
addresses never meet), and the agent's real adapters in the test's namespace."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ops.bootstrap import Cloud, build
from ops.roles.network_assembly import AgentAdapters
from ops.roles.network_assembly import agent_adapters as host_adapters
from tests.support.fleet import Fleet
from tests.support.network_namespaces import Host
from tests.support.settings import make_settings


@contextmanager
def agent_fleet(database_url: str, tmp_path: Path, node: str, segmentation_range: str,
                supernet: str) -> Iterator[Fleet]:
    settings = make_settings(tmp_path / "data", database_url, segment_type="vxlan",
                             segmentation_range=segmentation_range, tenant_supernet=supernet)
    cloud: Cloud = build(settings, follow=False)
    made = Fleet(cloud, tmp_path)
    made.seed()
    made.add_host(node)
    yield made
    made.close()
    cloud.close()


@contextmanager
def agent_adapters(host: Host, tmp_path: Path) -> Iterator[AgentAdapters]:
    """The agent's adapters in `host`'s namespace; every DHCP server stopped afterwards."""
    made = host_adapters("vxlan", host.phys, tmp_path / "dhcp", netns=host.ns)
    yield made
    for network_id in made.dhcp.running():
        made.dhcp.stop(network_id)
    made.network.close()
