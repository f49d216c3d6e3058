"""Snapshots of the long-lived ledgers (host capacity, project quota, a project's network and
security group), on SQLite and PostgreSQL.

A snapshot is a shortcut only: a ledger loaded from its latest snapshot plus the events after
it must be the ledger replayed from event zero (read by a second application with snapshots
off, on the same store), and a save on top of it must still conflict with a concurrent one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import IntegrityError, StoredEvent

from adapters.persistence import Database
from adapters.settings import Settings
from domain.app import DEFAULT_SNAPSHOT_INTERVAL, SkyLedger
from domain.compute.node import ComputeNode, node_id
from domain.network.network import Network
from domain.network.security_group import SecurityGroup, default_group_id
from domain.network.security_rules import parse_rule
from domain.quota.ledger import QuotaLedger, ledger_id

INTERVAL = 5
SMALL_POOL = {"POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "2"}
RESOURCES = {"vcpus": 1, "ram": 64, "disk": 1}


def quota_ledger_history(app: SkyLedger, events: int) -> UUID:
    """Opened, then claims, releases and limit changes, one save each."""
    ledger = QuotaLedger(project_id="snap-project")
    app.save(ledger)
    for i in range(events - 1):
        ledger = app.repository.get(ledger.id)
        user = "snap-user" if i % 2 else None  # every other claim and release is a user's
        if i == 4:
            ledger.set_user_limits("snap-user", {"instances": 40})
        elif i % 4 == 3:
            ledger.set_limits({"instances": 50 + i})
        elif i % 3 == 2:
            ledger.release({"instances": 1, "ram": 64}, user)
        else:
            ledger.claim({"instances": 1, "cores": 2, "ram": 128}, user_id=user)
        app.save(ledger)
    return ledger_id("snap-project")


def node_history(app: SkyLedger, events: int) -> UUID:
    """Registered, then claims, releases, a resize's rekey and a disable/enable, one save each."""
    node = ComputeNode(host="snap-host", hypervisor_type="QEMU", vcpus=64, memory_mb=65536,
                       disk_gb=1000, availability_zone="nova", cpu_ratio=16.0, ram_ratio=1.5,
                       disk_ratio=1.0)
    app.save(node)
    claimed: list[str] = []
    for i in range(events - 1):
        node = app.repository.get(node.id)
        if i == 7:
            node.disable("maintenance")
        elif i == 8:
            node.enable()
        elif i % 5 == 4 and claimed:
            claimed.append(f"{claimed[-1]}:moved")
            node.rekey(claimed[-2], claimed[-1])
            del claimed[-2]
        elif i % 3 == 2 and claimed:
            node.release(claimed.pop(0))
        else:
            claimed.append(f"{i:032x}")
            node.claim(claimed[-1], RESOURCES)
        app.save(node)
    return node_id("snap-host")


def port_id(i: int) -> str:
    return f"{i:032x}"


def security_group_history(app: SkyLedger, events: int) -> UUID:
    """A project's default group: a rule naming itself, then ports joining and leaving (as
    boots and deletes make them), a rule added and removed, one save each."""
    group = SecurityGroup(id=default_group_id("snap-project"), project_id="snap-project",
                          name="default", description="", is_default=True)
    group.add_rule("a" * 32, parse_rule("ingress", "IPv4", remote_group_id=group.id.hex))
    group.add_referrer("a" * 32, group.id.hex)
    app.save(group)
    for i in range(events - 3):
        group = app.repository.get(group.id)
        if i == 6:
            group.add_rule("b" * 32, parse_rule("ingress", "IPv4", "tcp", 22, 22))
        elif i == 9:
            group.remove_rule("b" * 32)
        elif i % 3 == 2:
            group.remove_port(min(group.ports))
        else:
            group.add_port(port_id(i))
        app.save(group)
    return group.id


def network_history(app: SkyLedger, events: int) -> UUID:
    """A project's network: ports' addresses allocated and released, one save each."""
    network = Network("snap-project", "private", "vlan", 100, "10.0.0.0/24")
    app.save(network)
    for i in range(events - 1):
        network = app.repository.get(network.id)
        mac = f"fa:16:3e:00:00:{i - 2 if i % 3 == 2 else i:02x}"
        if i % 3 == 2:
            network.release_addresses(port_id(i - 2), mac, list(network.fixed_ips))
        else:
            network.allocate_addresses(port_id(i), mac, None)
        app.save(network)
    return network.id


HISTORIES: dict[str, Callable[[SkyLedger, int], UUID]] = {
    "quota-ledger": quota_ledger_history, "compute-node": node_history,
    "security-group": security_group_history, "network": network_history}


def open_app(database_url: str, interval: int) -> SkyLedger:
    env = {**Database(database_url).event_store_env(), **SMALL_POOL}
    return SkyLedger(env=env, snapshot_interval=interval)


@pytest.fixture
def apps(database_url: str) -> Iterator[Callable[[int], SkyLedger]]:
    opened: list[SkyLedger] = []

    def open_one(interval: int) -> SkyLedger:
        opened.append(open_app(database_url, interval))
        return opened[-1]

    yield open_one
    for app in opened:
        app.close()


def state(aggregate: Any) -> dict[str, Any]:
    return dict(vars(aggregate))


def snapshot_versions(app: SkyLedger, aggregate_id: UUID) -> list[int]:
    assert app.snapshots is not None
    return [s.originator_version for s in app.snapshots.get(aggregate_id)]


@pytest.mark.parametrize("kind", sorted(HISTORIES))
def test_a_ledger_loads_from_its_snapshot_as_it_replays_from_zero(
        apps: Callable[[int], SkyLedger], kind: str) -> None:
    writer = apps(INTERVAL)
    aggregate_id = HISTORIES[kind](writer, 2 * INTERVAL + 3)

    assert snapshot_versions(writer, aggregate_id) == [INTERVAL, 2 * INTERVAL]
    cold, replay = apps(INTERVAL), apps(0)
    assert replay.snapshots is None
    replayed = replay.repository.get(aggregate_id)
    assert replayed.version == 2 * INTERVAL + 3
    assert state(cold.repository.get(aggregate_id)) == state(replayed)
    # The writer's cache (fast-forwarded since its first load) agrees too.
    assert state(writer.repository.get(aggregate_id)) == state(replayed)
    # Each snapshot alone round-trips through the transcoder to the state at its version.
    assert writer.snapshots is not None
    for snapshot in writer.snapshots.get(aggregate_id):
        restored = snapshot.mutate(None)
        at_version = replay.repository.get(aggregate_id, version=snapshot.originator_version)
        assert state(restored) == state(at_version)


def test_a_cached_ledger_sees_events_saved_past_a_snapshot_elsewhere(
        apps: Callable[[int], SkyLedger]) -> None:
    first, second = apps(INTERVAL), apps(INTERVAL)
    aggregate_id = quota_ledger_history(first, INTERVAL - 1)
    assert first.repository.get(aggregate_id).used("instances") > 0  # now in first's cache
    for _ in range(INTERVAL + 2):  # second crosses version 2*INTERVAL, past a snapshot
        ledger = second.repository.get(aggregate_id)
        ledger.claim({"instances": 1})
        second.save(ledger)

    assert snapshot_versions(second, aggregate_id) == [INTERVAL, 2 * INTERVAL]
    replayed = apps(0).repository.get(aggregate_id)
    assert state(first.repository.get(aggregate_id)) == state(replayed)


# One more change of each kind, made by two writers at once.
CHANGES: dict[str, Callable[[Any], None]] = {
    "quota-ledger": lambda ledger: ledger.claim({"instances": 1}),
    "compute-node": lambda node: node.claim("f" * 32, RESOURCES),
    "security-group": lambda group: group.add_port("f" * 32),
    "network": lambda network: network.allocate_addresses("f" * 32, "fa:16:3e:00:00:ff", None),
}


@pytest.mark.parametrize("kind", sorted(HISTORIES))
def test_saves_on_a_snapshot_loaded_ledger_still_conflict(
        apps: Callable[[int], SkyLedger], kind: str) -> None:
    aggregate_id = HISTORIES[kind](apps(INTERVAL), 2 * INTERVAL)  # the head is a snapshot
    first, second = apps(INTERVAL), apps(INTERVAL)
    winner, loser = first.repository.get(aggregate_id), second.repository.get(aggregate_id)
    assert winner.version == loser.version == 2 * INTERVAL
    for ledger in (winner, loser):
        CHANGES[kind](ledger)

    first.save(winner)
    with pytest.raises(IntegrityError):
        second.save(loser)
    replayed = apps(0).repository.get(aggregate_id)
    assert replayed.version == 2 * INTERVAL + 1
    assert state(second.repository.get(aggregate_id)) == state(replayed)


def refuse_snapshots(database_url: str) -> None:
    """A trigger that rejects every snapshot row: the store fails the put, reads still work."""
    database = Database(database_url)
    if database.is_postgres:
        schema = database.pg_parts()["schema"]
        with psycopg.connect(database.conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE FUNCTION "{schema}".refuse() RETURNS trigger LANGUAGE plpgsql'
                         " AS $$BEGIN RAISE EXCEPTION 'no snapshots today'; END$$")
            conn.execute(f'CREATE TRIGGER refuse BEFORE INSERT ON "{schema}".skyledger_snapshots'
                         f' FOR EACH ROW EXECUTE FUNCTION "{schema}".refuse()')
    else:
        with closing(sqlite3.connect(database.sqlite_path())) as conn, conn:
            conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON stored_snapshots"
                         " BEGIN SELECT RAISE(ABORT, 'no snapshots today'); END")


def test_a_snapshot_that_cannot_be_stored_does_not_fail_the_save(
        apps: Callable[[int], SkyLedger], database_url: str,
        caplog: pytest.LogCaptureFixture) -> None:
    app = apps(INTERVAL)
    refuse_snapshots(database_url)  # the events get recorded, then the snapshot put fails

    aggregate_id = quota_ledger_history(app, INTERVAL + 1)

    assert "not stored" in caplog.text
    assert snapshot_versions(app, aggregate_id) == []
    assert apps(0).repository.get(aggregate_id).version == INTERVAL + 1


def test_the_interval_is_a_setting_and_zero_turns_snapshots_off() -> None:
    assert Settings.from_env({}).snapshot_interval == DEFAULT_SNAPSHOT_INTERVAL
    assert Settings.from_env({"SKYLEDGER_SNAPSHOT_INTERVAL": "7"}).snapshot_interval == 7
    off = SkyLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, snapshot_interval=0)
    try:
        assert off.snapshots is None
        assert off.snapshotting_intervals == {}
    finally:
        off.close()


def test_a_version_1_ledger_snapshot_upcasts(apps: Callable[[int], SkyLedger]) -> None:
    """A snapshot taken before per-user quotas (QuotaLedger version 1: no class_version, no
    user limits or usage in its state) loads as a ledger whose users have neither."""
    writer = apps(0)
    aggregate_id = quota_ledger_history(writer, 2)  # one anonymous claim: no user's share
    ledger = writer.repository.get(aggregate_id)
    mapper = writer.mapper
    assert not mapper.cipher and not mapper.compressor
    stored = mapper.to_stored_event(Snapshot.take(ledger))
    snapshot = dict(mapper.transcoder.decode(stored.state))
    old_state = dict(snapshot["state"])
    assert old_state.pop("class_version") == 2
    assert old_state.pop("user_overrides") == {} and old_state.pop("user_usage") == {}
    cold = apps(INTERVAL)
    assert cold.snapshots is not None
    cold.snapshots.recorder.insert_events([StoredEvent(
        originator_id=stored.originator_id, originator_version=stored.originator_version,
        topic=stored.topic, state=mapper.transcoder.encode({**snapshot, "state": old_state}))])
    loaded = cold.repository.get(aggregate_id)
    assert state(loaded) == state(ledger)
    assert loaded.user_limit("anyone", "instances") == ledger.limit("instances")
