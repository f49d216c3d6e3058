"""The network agent converges the host's security groups: it applies every port filter of the
host in one nft transaction when instances come and go or a group changes, and its reconciler
restores a table deleted by hand. (What the filters let through is test_security_groups'.)"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from ipaddress import ip_address, ip_network
from pathlib import Path
from uuid import UUID

import pytest

from adapters.network.nft_port_filter_rules import TABLE
from domain.network.port_filters import tap_device
from domain.network.security_group import default_group_id
from domain.network.security_rules import parse_rule
from domain.process.network.agent import NetworkAgent, NetworkAgentConfig
from ops.roles.network_assembly import AgentAdapters, assemble_agent
from tests.integration.network.agent_fleet import agent_adapters, agent_fleet
from tests.integration.network.test_agent import boot, delete
from tests.support.fleet import USER, Fleet
from tests.support.network_namespaces import Host, sh

NODE = "sg-node"


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    with agent_fleet(f"sqlite:///{tmp_path / 'events.sqlite'}", tmp_path, NODE, "700:799",
                     "10.54.0.0/16") as made:
        yield made


@pytest.fixture
def adapters(host: Host, tmp_path: Path) -> Iterator[AgentAdapters]:
    with agent_adapters(host, tmp_path) as made:
        yield made


@pytest.fixture
def agent(fleet: Fleet, adapters: AgentAdapters) -> NetworkAgent:
    return assemble_agent(fleet.cloud.app, fleet.cloud.store, adapters,
                          NetworkAgentConfig(host=NODE))


def bridge_table(host: Host) -> str:
    result = sh(host.ns, "nft", "list", "table", "bridge", TABLE, check=False)
    return result.stdout if result.returncode == 0 else ""


def admitted(listing: str, address: str) -> bool:
    """Whether an ingress rule of the listing admits `address` by its `ip saddr` match (an
    address, a prefix or a set of them, as nft prints them: adjacent members merged). Egress
    anti-spoofing lines name the port's own MAC too, and are not ingress rules."""
    for line in listing.splitlines():
        if "ip saddr" in line and "ether saddr" not in line:
            words = line.split("ip saddr", 1)[1].replace("{", " ").replace("}", " ")
            for word in words.replace(",", " ").split():
                with contextlib.suppress(ValueError):
                    if ip_address(address) in ip_network(word):
                        return True
    return False


def test_port_filters_follow_instances_and_group_changes(
        fleet: Fleet, agent: NetworkAgent, host: Host) -> None:
    first, port = boot(fleet)
    agent.catch_up()
    device = tap_device(UUID(port["id"]).hex)
    assert f"chain ingress_{device}" in bridge_table(host)
    assert "dport 2222" not in bridge_table(host)

    group = default_group_id(USER.project_id or "").hex
    fleet.cloud.security_groups.create_rule(
        USER, group, parse_rule("ingress", "IPv4", "tcp", 2222, 2222))
    agent.catch_up()
    assert "tcp dport 2222 accept" in bridge_table(host)

    second, other = boot(fleet)
    agent.catch_up()  # the default group's remote-group rule now names both ports' addresses
    listing = bridge_table(host)
    assert f"chain ingress_{tap_device(UUID(other['id']).hex)}" in listing
    assert admitted(listing, port["fixed_ip"]) and admitted(listing, other["fixed_ip"])

    delete(fleet, first)
    delete(fleet, second)
    agent.catch_up()
    assert "chain ingress_" not in bridge_table(host)


def test_the_reconciler_restores_a_deleted_table(
        fleet: Fleet, agent: NetworkAgent, host: Host) -> None:
    boot(fleet)
    agent.catch_up()
    assert agent.reconcile() == []
    before = bridge_table(host)

    sh(host.ns, "nft", "delete", "table", "bridge", TABLE)  # by hand
    drifts = agent.reconcile()

    assert [(d.kind, d.key) for d in drifts] == [("security-groups", NODE)]
    assert bridge_table(host) == before
    assert agent.reconcile() == []
