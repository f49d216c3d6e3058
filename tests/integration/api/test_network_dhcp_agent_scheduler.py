"""Neutron's dhcp_agent_scheduler through the API, on both stores: an admin schedules a
network to a host's DHCP agent, lists it both ways, is refused a second scheduling to that
agent (409), takes it off (a network not scheduled there: 409); many agents may serve one
network. Others are refused (403), unknown or unsuitable agents and networks are 404s."""

from __future__ import annotations

from uuid import UUID

from fastapi.testclient import TestClient

from domain.context import RequestContext
from domain.network.agent import agent_id
from domain.network.dhcp_hosting import DhcpHosting, dhcp_hosting_id
from ops.bootstrap import Cloud
from tests.support.compute_api import auth
from tests.support.network_api import NET, create_network

Who = dict[str, str]


def dhcp_agent(host: str) -> str:
    return str(agent_id(host, "DHCP agent"))


def served(client: TestClient, who: Who, agent: str) -> list[str]:
    response = client.get(f"{NET}/agents/{agent}/dhcp-networks", headers=auth(who))
    assert response.status_code == 200, response.text
    return [n["id"] for n in response.json()["networks"]]


def serving(client: TestClient, who: Who, network_id: str) -> list[str]:
    response = client.get(f"{NET}/networks/{network_id}/dhcp-agents", headers=auth(who))
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()["agents"]]


def add(client: TestClient, who: Who, agent: str, network_id: str, status: int) -> None:
    response = client.post(f"{NET}/agents/{agent}/dhcp-networks", headers=auth(who),
                           json={"network_id": network_id})
    assert response.status_code == status, response.text


def remove(client: TestClient, who: Who, agent: str, network_id: str, status: int) -> None:
    response = client.delete(f"{NET}/agents/{agent}/dhcp-networks/{network_id}",
                             headers=auth(who))
    assert response.status_code == status, response.text


def ledger_of(cloud: Cloud, host: str) -> set[str]:
    hosting = cloud.app.find(dhcp_hosting_id(host))
    return set(hosting.networks) if isinstance(hosting, DhcpHosting) else set()


def test_admin_schedules_and_unschedules_networks(cloud: Cloud, client: TestClient,
                                                  admin: Who, member_a: Who) -> None:
    for host in ("dhcp-host-1", "dhcp-host-2"):
        cloud.network_agents.register(RequestContext(user_id=f"network:{host}"), host, {})
    cloud.sync_read_models()
    net = create_network(client, member_a, "scheduled")["id"]
    one, two = dhcp_agent("dhcp-host-1"), dhcp_agent("dhcp-host-2")
    assert serving(client, admin, net) == [] and served(client, admin, one) == []

    add(client, admin, one, net, 201)
    add(client, admin, one, net, 409)  # hosted by that agent already
    add(client, admin, two, net, 201)  # many agents may serve one network
    assert served(client, admin, one) == [net] and served(client, admin, two) == [net]
    assert sorted(serving(client, admin, net)) == sorted([one, two])
    assert ledger_of(cloud, "dhcp-host-1") == {UUID(net).hex}

    remove(client, admin, one, net, 204)
    remove(client, admin, one, net, 409)  # not hosted there any more
    assert served(client, admin, one) == [] and serving(client, admin, net) == [two]
    assert ledger_of(cloud, "dhcp-host-1") == set()
    assert ledger_of(cloud, "dhcp-host-2") == {UUID(net).hex}

    # A deleted network is nobody's to serve.
    assert client.delete(f"{NET}/networks/{net}", headers=auth(member_a)).status_code == 204
    cloud.sync_read_models()
    assert served(client, admin, two) == []


def test_refusals_change_nothing(cloud: Cloud, client: TestClient, admin: Who,
                                 member_a: Who) -> None:
    cloud.network_agents.register(RequestContext(user_id="network:dhcp-host-3"),
                                  "dhcp-host-3", {})
    cloud.sync_read_models()
    net, agent = create_network(client, member_a, "kept")["id"], dhcp_agent("dhcp-host-3")
    l3 = str(agent_id("dhcp-host-3", "L3 agent"))
    add(client, member_a, agent, net, 403)
    remove(client, member_a, agent, net, 403)
    for path in (f"/agents/{agent}/dhcp-networks", f"/networks/{net}/dhcp-agents"):
        assert client.get(f"{NET}{path}", headers=auth(member_a)).status_code == 403
    add(client, admin, l3, net, 404)  # not a DHCP agent
    remove(client, admin, l3, net, 409)
    assert served(client, admin, l3) == []
    add(client, admin, "no-such-agent", net, 404)
    add(client, admin, agent, str(UUID(int=9)), 404)  # no such network
    response = client.post(f"{NET}/agents/{agent}/dhcp-networks", headers=auth(admin),
                           json={"network": net})
    assert response.status_code == 400, response.text
    assert client.get(f"{NET}/agents/{UUID(int=7)}/dhcp-networks",
                      headers=auth(admin)).status_code == 404
    assert client.get(f"{NET}/networks/{UUID(int=9)}/dhcp-agents",
                      headers=auth(admin)).status_code == 404
    assert client.put(f"{NET}/agents/{agent}", headers=auth(admin),
                      json={"agent": {"admin_state_up": False}}).status_code == 200
    add(client, admin, agent, net, 404)  # disabled
    assert ledger_of(cloud, "dhcp-host-3") == set() and serving(client, admin, net) == []


def new_port(client: TestClient, who: Who, network_id: str) -> None:
    response = client.post(f"{NET}/ports", headers=auth(who),
                           json={"port": {"network_id": network_id}})
    assert response.status_code == 201, response.text


def test_a_port_schedules_its_network_to_a_dhcp_agent(cloud: Cloud, client: TestClient,
                                                      admin: Who, member_a: Who) -> None:
    """Neutron's network_auto_schedule: the first port of a network with a DHCP subnet that no
    agent serves puts the network on one live, enabled DHCP agent (the first by host name)."""
    for host in ("dhcp-host-b", "dhcp-host-a", "dhcp-host-0"):
        cloud.network_agents.register(RequestContext(user_id=f"network:{host}"), host, {})
    cloud.sync_read_models()
    disabled = client.put(f"{NET}/agents/{dhcp_agent('dhcp-host-0')}", headers=auth(admin),
                          json={"agent": {"admin_state_up": False}})
    assert disabled.status_code == 200, disabled.text
    net = create_network(client, member_a, "served")["id"]
    bare = create_network(client, member_a, "bare", cidr=None)["id"]
    no_dhcp = create_network(client, member_a, "static", cidr=None)["id"]
    assert client.post(f"{NET}/subnets", headers=auth(member_a), json={"subnet": {
        "network_id": no_dhcp, "cidr": "10.62.0.0/24", "ip_version": 4,
        "enable_dhcp": False}}).status_code == 201
    for network in (net, net, bare, no_dhcp):
        new_port(client, member_a, network)
    assert serving(client, admin, net) == [dhcp_agent("dhcp-host-a")]
    assert ledger_of(cloud, "dhcp-host-a") == {UUID(net).hex}  # once, by the first port
    assert serving(client, admin, bare) == [] and serving(client, admin, no_dhcp) == []
    # Taken off by an admin, it stays off until a port is made on it again.
    remove(client, admin, dhcp_agent("dhcp-host-a"), net, 204)
    assert serving(client, admin, net) == []
    new_port(client, member_a, net)
    assert serving(client, admin, net) == [dhcp_agent("dhcp-host-a")]
