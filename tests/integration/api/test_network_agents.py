"""Neutron's agents API (`/network/v2.0/agents`) on both stores, over the records a network
agent's liveness thread registers and beats on: admins list, show, describe, disable and
delete them; others see none; a deleted record comes back when its agent starts again."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from domain.context import RequestContext
from domain.network.agent import AGENT_KINDS, NetworkAgentRecord, agent_id
from domain.process.network.liveness import AgentLiveness
from domain.services.network.agents import NetworkAgentService
from ops.bootstrap import Cloud
from tests.support.compute_api import auth
from tests.support.network_api import NET, get
from tests.support.waiting import wait_for

Who = dict[str, str]


def beats_of(cloud: Cloud, host: str) -> int:
    """Events recorded on the host's DHCP agent record (registration and beats)."""
    record = cloud.app.find(agent_id(host, "DHCP agent"))
    return 0 if record is None else int(record.version)


def live_record(cloud: Cloud, host: str, agent_type: str) -> NetworkAgentRecord:
    record = cloud.app.find(agent_id(host, agent_type))
    assert isinstance(record, NetworkAgentRecord)
    return record


def started(cloud: Cloud, host: str, report_interval: float = 0.05) -> threading.Event:
    """The agent's liveness thread, run until the returned event is set."""
    liveness = AgentLiveness(NetworkAgentService(cloud.app), host, {"segment_type": "vxlan"},
                             report_interval)
    stop = threading.Event()
    threading.Thread(target=liveness.run, args=(stop,), daemon=True).start()
    return stop


def test_registered_agents_beat_and_are_listed(cloud: Cloud, client: TestClient, admin: Who,
                                              member_a: Who) -> None:
    stop = started(cloud, "net-host-1")
    try:
        # registered, then two beats
        wait_for(lambda: beats_of(cloud, "net-host-1") >= 3, "three beats of net-host-1")
    finally:
        stop.set()
    cloud.sync_read_models()
    agents = client.get(f"{NET}/agents", headers=admin).json()["agents"]
    assert sorted(a["agent_type"] for a in agents) == sorted(k.agent_type for k in AGENT_KINDS)
    dhcp = next(a for a in agents if a["agent_type"] == "DHCP agent")
    assert (dhcp["host"], dhcp["binary"], dhcp["topic"], dhcp["alive"],
            dhcp["admin_state_up"]) == ("net-host-1", "neutron-dhcp-agent", "dhcp_agent",
                                        True, True)
    assert dhcp["configurations"] == {"segment_type": "vxlan"}
    assert dhcp["heartbeat_timestamp"] >= dhcp["started_at"]
    filtered = client.get(f"{NET}/agents", headers=admin,
                          params={"agent_type": "L3 agent"}).json()["agents"]
    assert [a["binary"] for a in filtered] == ["neutron-l3-agent"]
    # As on a devstack's MySQL, the type matches whatever its case (Tempest asks so).
    filtered = client.get(f"{NET}/agents", headers=admin,
                          params={"agent_type": "DHCP Agent"}).json()["agents"]
    assert [a["binary"] for a in filtered] == ["neutron-dhcp-agent"]
    # Agents are the operator's: a project's member lists none and finds none.
    assert get(client, member_a, "/agents") == {"agents": []}
    for method, body in (("GET", None), ("PUT", {"agent": {"description": "x"}}),
                         ("DELETE", None)):
        response = client.request(method, f"{NET}/agents/{dhcp['id']}", headers=auth(member_a),
                                  json=body)
        assert response.status_code == 404, (method, response.text)


def test_admins_describe_disable_and_delete(cloud: Cloud, client: TestClient,
                                           admin: Who) -> None:
    NetworkAgentService(cloud.app).register(RequestContext(user_id="network:net-host-2"),
                                            "net-host-2", {})
    cloud.sync_read_models()
    l3 = next(a for a in client.get(f"{NET}/agents", headers=admin).json()["agents"]
              if a["agent_type"] == "L3 agent")
    changed = client.put(f"{NET}/agents/{l3['id']}", headers=admin, json={
        "agent": {"description": "rack 4", "admin_state_up": False}})
    assert changed.status_code == 200, changed.text
    body = changed.json()["agent"]
    assert (body["description"], body["admin_state_up"]) == ("rack 4", False)
    shown = client.get(f"{NET}/agents/{l3['id']}", headers=admin).json()["agent"]
    assert shown == {**body, "alive": shown["alive"]}
    for bad in ({"agent": {"host": "elsewhere"}}, {"agent": {"admin_state_up": "maybe"}},
                {"agent": {"description": "x" * 256}}, {"nope": {}}):
        refused = client.put(f"{NET}/agents/{l3['id']}", headers=admin, json=bad)
        assert refused.status_code == 400, (bad, refused.text)
    assert client.get(f"{NET}/agents/not-a-uuid", headers=admin).status_code == 404
    assert client.delete(f"{NET}/agents/{l3['id']}", headers=admin).status_code == 204
    assert client.get(f"{NET}/agents/{l3['id']}", headers=admin).status_code == 404
    assert client.delete(f"{NET}/agents/{l3['id']}", headers=admin).status_code == 404
    # The agent starts again: its record is back, as new (no description, enabled).
    stop = started(cloud, "net-host-2")
    try:
        wait_for(lambda: not live_record(cloud, "net-host-2", "L3 agent").deleted,
                 "net-host-2's L3 agent back")
    finally:
        stop.set()
    cloud.sync_read_models()
    back = client.get(f"{NET}/agents/{l3['id']}", headers=admin).json()["agent"]
    assert (back["description"], back["admin_state_up"]) == ("", True)
