"""Fixtures of the network adapters' tests alone: two hosts on one underlay, and each segment
type. The namespaces and the single `host` they build on are tests/integration/conftest.py's
(the crash tests use them too); the helpers are tests/support/network_namespaces.py's.

Where this machine's kernel lacks 802.1Q, the `vlan` cases run in a test host whose kernel has
it (tests/hosts/): all of them in one VM, the first time one is set up; each then reports the
outcome of its own run there instead of running its body here."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.network.probe import supports_vlan
from tests.hosts.image import HostImage
from tests.hosts.pytest_run import GuestOutcome, node_id, run_in_test_host
from tests.support.network_namespaces import Host, Namespaces, connect, ip

NO_VLAN = "kernel lacks 802.1Q (NetlinkError 95)"
RAN_IN_TEST_HOST = pytest.StashKey[GuestOutcome]()


@pytest.fixture
def two_hosts(namespaces: Namespaces) -> tuple[Host, Host]:
    """Two hosts whose physical interfaces are the two ends of one cable (the underlay)."""
    first, second = namespaces.new("hostA"), namespaces.new("hostB")
    connect(first, "phys0", second, "phys0")
    ip(first, "addr", "add", "192.0.2.1/24", "dev", "phys0")
    ip(second, "addr", "add", "192.0.2.2/24", "dev", "phys0")
    return Host(first, underlay_ip="192.0.2.1"), Host(second, underlay_ip="192.0.2.2")


@pytest.fixture(params=["vlan", "vxlan"])
def segment_type(request: pytest.FixtureRequest, network_tools: None) -> str:
    if request.param == "vlan" and not supports_vlan():
        outcomes: dict[str, GuestOutcome] = request.getfixturevalue("vlan_cases_in_test_host")
        request.node.stash[RAN_IN_TEST_HOST] = outcomes[node_id(request.node)]
    return str(request.param)


@pytest.fixture(scope="session")
def vlan_cases_in_test_host(request: pytest.FixtureRequest, test_host_image: HostImage,
                            network_tools: None, tmp_path_factory: pytest.TempPathFactory,
                            ) -> dict[str, GuestOutcome]:
    """Every selected `vlan` case of this run, run at once in a test host: outcome by node id."""
    cases = [node_id(item) for item in request.session.items
             if isinstance(item, pytest.Function) and hasattr(item, "callspec")
             and item.callspec.params.get("segment_type") == "vlan"]
    share: Path = tmp_path_factory.mktemp("vlan-cases")
    return run_in_test_host(test_host_image, cases, share)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """A case that ran in the test host ends as it ended there; its body does not run here."""
    outcome = pyfuncitem.stash.get(RAN_IN_TEST_HOST, None)
    if outcome is None:
        return None
    outcome.report_here()
    return True
