"""Automatic L3 agent failover on both stores (domain/process/network/l3_failover.py, "now"
given): the routers of a host whose L3 agent stopped beating move to the live agent running the
fewest, once, the router and both hosts' ledgers in one save, and `/routers/{id}/l3-agents` and
`/agents/{id}/l3-routers` say so; a disabled dead agent keeps its routers, as in Neutron; a move
decided before the dead agent beat again is not made. The namespaces and packets of a move are
tests/integration/network/test_agent_router_failover.py's."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from domain.context import RequestContext
from domain.network.agent import agent_id
from domain.network.router import Router
from domain.process.network.l3_failover import L3Failover
from ops.bootstrap import Cloud
from tests.integration.api.test_network_l3_agent_scheduler import (
    add,
    hosted_routers,
    hosting_agents,
    l3_agent,
    ledger_of,
)
from tests.integration.api.test_network_routers import create_router
from tests.support.compute_api import auth
from tests.support.network_api import NET

Who = dict[str, str]
DOWN = timedelta(seconds=75)
HOSTS = ("fo-host-1", "fo-host-2", "fo-host-3")


def ctx(host: str) -> RequestContext:
    return RequestContext(user_id=f"network:{host}")


def beat_of(cloud: Cloud, host: str) -> datetime:
    record: Any = cloud.app.repository.get(agent_id(host, "L3 agent"))
    return record.modified_on  # type: ignore[no-any-return]


def routers_on(cloud: Cloud, client: TestClient, admin: Who, member: Who, host: str,
               count: int) -> list[str]:
    ids = [create_router(client, member, name=f"r{i}")["id"] for i in range(count)]
    for rid in ids:
        add(client, admin, l3_agent(host), rid, 201)
    return ids


def test_routers_of_a_silent_agent_move_to_the_least_loaded_live_ones(
        cloud: Cloud, client: TestClient, admin: Who, member_a: Who) -> None:
    for host in HOSTS:
        cloud.network_agents.register(ctx(host), host, {})
    cloud.sync_read_models()
    dead = routers_on(cloud, client, admin, member_a, HOSTS[0], 3)
    [busy] = routers_on(cloud, client, admin, member_a, HOSTS[1], 1)
    for host in HOSTS[1:]:  # the first host's agent goes silent
        cloud.network_agents.heartbeat(ctx(host), host)
    now = [beat_of(cloud, HOSTS[0]) + timedelta(seconds=1)]
    failover = L3Failover(cloud.app, HOSTS[2], DOWN, lambda: now[0])
    assert failover.run_once() == []

    now[0] = min(beat_of(cloud, h) for h in HOSTS[1:]) + DOWN
    moved = failover.run_once()
    # In router id order, each to the least loaded: the empty host, then by name, ...
    assert [(m.router_id, m.from_host, m.to_host) for m in moved] == [
        (r, HOSTS[0], to) for r, to in zip(sorted(UUID(d).hex for d in dead),
                                           (HOSTS[2], HOSTS[1], HOSTS[2]), strict=True)]
    assert failover.run_once() == []
    assert L3Failover(cloud.app, HOSTS[1], DOWN, lambda: now[0]).run_once() == []  # anew
    assert ledger_of(cloud, HOSTS[0]) == set()
    assert len(ledger_of(cloud, HOSTS[1])) == 2 and len(ledger_of(cloud, HOSTS[2])) == 2
    assert UUID(busy).hex in ledger_of(cloud, HOSTS[1])
    cloud.sync_read_models()
    assert hosted_routers(client, admin, l3_agent(HOSTS[0])) == []
    for rid in dead:
        host = cloud.app.get(UUID(rid), Router).host
        assert host in HOSTS[1:]
        assert hosting_agents(client, admin, rid) == [l3_agent(str(host))]


def test_a_disabled_dead_agent_keeps_its_routers_and_a_stale_decision_moves_nothing(
        cloud: Cloud, client: TestClient, admin: Who, member_a: Who) -> None:
    for host in HOSTS[:2]:
        cloud.network_agents.register(ctx(host), host, {})
    cloud.sync_read_models()
    [rid] = routers_on(cloud, client, admin, member_a, HOSTS[0], 1)
    assert client.put(f"{NET}/agents/{l3_agent(HOSTS[0])}", headers=auth(admin),
                      json={"agent": {"admin_state_up": False}}).status_code == 200
    cloud.network_agents.heartbeat(ctx(HOSTS[1]), HOSTS[1])
    late = beat_of(cloud, HOSTS[1]) + DOWN
    assert L3Failover(cloud.app, HOSTS[1], DOWN, lambda: late).run_once() == []

    record: Any = cloud.app.repository.get(agent_id(HOSTS[0], "L3 agent"))
    seen = record.version
    cloud.network_agents.heartbeat(ctx(HOSTS[0]), HOSTS[0])  # back since the decision
    scheduling = cloud.agent_scheduling
    assert not scheduling.fail_over(ctx(HOSTS[1]), rid, HOSTS[0], HOSTS[1], seen)
    assert cloud.app.get(UUID(rid), Router).host == HOSTS[0]
    assert scheduling.fail_over(ctx(HOSTS[1]), rid, HOSTS[0], HOSTS[1], seen + 1)
    assert not scheduling.fail_over(ctx(HOSTS[1]), rid, HOSTS[0], HOSTS[1], seen + 1)
    assert cloud.app.get(UUID(rid), Router).host == HOSTS[1]
