"""Which routers move when an L3 agent stops beating (l3_failover.failovers): pure, "now" given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.process.network.l3_failover import L3Agent, Move, failovers

T0 = datetime(2026, 12, 7, tzinfo=UTC)
DOWN = timedelta(seconds=75)


def agent(beat_age: float, version: int = 7, **kwargs: bool) -> L3Agent:
    return L3Agent(T0 - timedelta(seconds=beat_age), version, **kwargs)


def test_nothing_moves_while_every_agent_beats_within_the_down_time() -> None:
    agents = {"a": agent(75), "b": agent(1)}
    assert failovers(agents, {"a": {"r1"}}, T0, DOWN) == []


def test_a_dead_agents_routers_go_to_the_least_loaded_live_agents() -> None:
    agents = {"a": agent(76, version=9), "b": agent(1), "c": agent(2)}
    routers = {"a": {"r1", "r2", "r3"}, "b": {"r9"}}
    assert failovers(agents, routers, T0, DOWN) == [
        Move("r1", "a", "c", 9), Move("r2", "a", "b", 9), Move("r3", "a", "c", 9)]


def test_no_live_target_no_move_and_disabled_or_deleted_agents_are_no_targets() -> None:
    routers = {"a": {"r1"}}
    assert failovers({"a": agent(100)}, routers, T0, DOWN) == []
    agents = {"a": agent(100), "b": agent(1, admin_state_up=False), "c": agent(1, deleted=True)}
    assert failovers(agents, routers, T0, DOWN) == []


def test_a_disabled_dead_agent_keeps_its_routers_as_neutron_does() -> None:
    agents = {"a": agent(100, admin_state_up=False), "b": agent(1)}
    assert failovers(agents, {"a": {"r1"}}, T0, DOWN) == []


def test_a_host_with_no_l3_agent_record_is_not_judged() -> None:
    assert failovers({"b": agent(1)}, {"a": {"r1"}}, T0, DOWN) == []
