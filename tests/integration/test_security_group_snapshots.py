"""A project's default security group and network loaded from snapshots, on SQLite and
PostgreSQL, through the real port and group commands.

Every port joins its project's default group and takes addresses on its network, and leaves
both when released: two events on each per server's life. A process that loads them cold
reads the latest snapshot and the events after it; what the group's membership decides must
come out as it would replayed from event zero: a group with member ports is refused deletion
and a change of `stateful` (409), and the network agent resolves a remote-group rule to the
members' addresses (security_plans.py reads `group.ports`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from adapters.persistence import Database
from domain.app import SkyLedger
from domain.context import RequestContext
from domain.network.config import NetworkConfig
from domain.network.network import DHCP_HOLDER, Network
from domain.network.security_group import SecurityGroup, SecurityGroupInUse, default_group_id
from domain.network.security_rules import parse_rule
from domain.services.network.networks import NetworkService
from domain.services.network.ports import PortRequest, PortService
from domain.services.network.security_groups import SecurityGroupService
from tests.integration.test_snapshots import snapshot_versions, state

INTERVAL = 3
PROJECT = "snap-project"
MEMBER = RequestContext(user_id="snap-user", project_id=PROJECT, roles=("member",))
ADMIN = RequestContext(user_id="admin", project_id="admin", roles=("admin",))


@pytest.fixture
def apps(database_url: str) -> Iterator[Callable[[int], SkyLedger]]:
    opened: list[SkyLedger] = []

    def open_one(interval: int) -> SkyLedger:
        env = {**Database(database_url).event_store_env(), "POSTGRES_POOL_SIZE": "1"}
        opened.append(SkyLedger(env=env, snapshot_interval=interval))
        return opened[-1]

    yield open_one
    for app in opened:
        app.close()


def boot_and_delete(app: SkyLedger, network_id: str, boots: int) -> list[str]:
    """Ports made and released as boots and deletes make them; every third one stays.
    Returns the ids (hex) of the ports left."""
    ports = PortService(app)
    kept: list[str] = []
    for i in range(boots):
        port = ports.create_port(MEMBER, network_id, PortRequest())
        if i % 3 == 2:
            kept.append(port.id.hex)
        else:
            ports.delete_port(MEMBER, port.id.hex)
    return kept


def test_membership_decides_the_same_from_a_snapshot(
        apps: Callable[[int], SkyLedger]) -> None:
    writer = apps(INTERVAL)
    network = NetworkService(writer, NetworkConfig()).ensure_project_network(MEMBER, PROJECT)
    groups = SecurityGroupService(writer)
    web = groups.create_group(MEMBER, PROJECT, "web")
    default_id = default_group_id(PROJECT)
    groups.create_rule(MEMBER, web.id.hex, parse_rule("ingress", "IPv4", "tcp", 80, 80,
                                                      remote_group_id=default_id.hex))
    kept = boot_and_delete(writer, network.id.hex, 12)

    cold, replay = apps(INTERVAL), apps(0)
    replayed: SecurityGroup = replay.repository.get(default_id)
    assert replayed.version > 2 * 12  # every port joined and most left
    assert snapshot_versions(writer, default_id)[-1] > replayed.version - INTERVAL
    assert snapshot_versions(writer, network.id)
    group: SecurityGroup = cold.repository.get(default_id)
    assert state(group) == state(replayed)
    assert group.ports == set(kept)  # the remote group's members, whose addresses web admits
    assert web.id.hex in group.referrers.values()
    assert state(cold.repository.get(network.id)) == state(replay.repository.get(network.id))

    cold_groups = SecurityGroupService(cold)
    with pytest.raises(SecurityGroupInUse):
        cold_groups.delete_group(ADMIN, default_id.hex)
    with pytest.raises(SecurityGroupInUse):
        cold_groups.update_group(MEMBER, default_id.hex, stateful=False)
    for port_id in kept:
        PortService(cold).delete_port(MEMBER, port_id)
    cold_groups.delete_group(ADMIN, default_id.hex)  # no member left
    gone: SecurityGroup = apps(0).repository.get(default_id)
    assert gone.deleted and gone.ports == set() and web.id.hex not in gone.referrers.values()
    network_after: Network = apps(INTERVAL).repository.get(network.id)
    assert set(network_after.fixed_ips.values()) <= {DHCP_HOLDER} and not network_after.macs


def test_a_store_written_without_group_snapshots_loads_and_gains_them(
        apps: Callable[[int], SkyLedger]) -> None:
    """A store from before groups and networks were snapshotted: their PortAdded and
    AddressesAllocated events replay from zero, and the next saves past a multiple of the
    interval take the first snapshots."""
    old = apps(0)
    network = NetworkService(old, NetworkConfig()).ensure_project_network(MEMBER, PROJECT)
    kept = boot_and_delete(old, network.id.hex, 6)
    default_id = default_group_id(PROJECT)

    new = apps(INTERVAL)
    assert snapshot_versions(new, default_id) == []
    assert new.repository.get(default_id).ports == set(kept)
    kept += boot_and_delete(new, network.id.hex, 3)

    assert snapshot_versions(new, default_id) and snapshot_versions(new, network.id)
    cold: SecurityGroup = apps(INTERVAL).repository.get(default_id)
    assert state(cold) == state(apps(0).repository.get(default_id))
    assert cold.ports == set(kept)
