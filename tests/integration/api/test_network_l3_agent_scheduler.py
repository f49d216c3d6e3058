"""Neutron's l3_agent_scheduler through the API, on both stores: an admin adds a router to a
host's L3 agent, lists it both ways, is refused a second host while one runs it (409), takes
it off and places it elsewhere; the router and both hosts' RouterHosting ledgers say the same.
Others are refused (403), unknown or unsuitable agents are 404s."""

from __future__ import annotations

from uuid import UUID

from fastapi.testclient import TestClient

from domain.context import RequestContext
from domain.network.agent import agent_id
from domain.network.router import Router
from domain.network.router_hosting import RouterHosting, hosting_id
from ops.bootstrap import Cloud
from tests.integration.api.test_network_routers import create_router
from tests.support.compute_api import auth
from tests.support.network_api import NET

Who = dict[str, str]


def l3_agent(host: str) -> str:
    return str(agent_id(host, "L3 agent"))


def hosted_routers(client: TestClient, who: Who, agent: str) -> list[str]:
    response = client.get(f"{NET}/agents/{agent}/l3-routers", headers=auth(who))
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["routers"]]


def hosting_agents(client: TestClient, who: Who, router_id: str) -> list[str]:
    response = client.get(f"{NET}/routers/{router_id}/l3-agents", headers=auth(who))
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()["agents"]]


def add(client: TestClient, who: Who, agent: str, router_id: str, status: int) -> None:
    response = client.post(f"{NET}/agents/{agent}/l3-routers", headers=auth(who),
                           json={"router_id": router_id})
    assert response.status_code == status, response.text


def remove(client: TestClient, who: Who, agent: str, router_id: str, status: int) -> None:
    response = client.delete(f"{NET}/agents/{agent}/l3-routers/{router_id}", headers=auth(who))
    assert response.status_code == status, response.text


def ledger_of(cloud: Cloud, host: str) -> set[str]:
    hosting = cloud.app.find(hosting_id(host))
    return set(hosting.routers) if isinstance(hosting, RouterHosting) else set()


def test_admin_places_moves_and_unplaces_a_router(cloud: Cloud, client: TestClient,
                                                   admin: Who, member_a: Who) -> None:
    for host in ("l3-host-1", "l3-host-2"):
        cloud.network_agents.register(RequestContext(user_id=f"network:{host}"), host, {})
    cloud.sync_read_models()
    router = create_router(client, member_a)
    rid, one, two = router["id"], l3_agent("l3-host-1"), l3_agent("l3-host-2")
    assert hosting_agents(client, admin, rid) == []

    add(client, admin, one, rid, 201)
    add(client, admin, one, rid, 201)  # there already: nothing changes
    assert hosted_routers(client, admin, one) == [rid]
    assert hosting_agents(client, admin, rid) == [one]
    assert hosted_routers(client, admin, two) == []
    add(client, admin, two, rid, 409)  # one host runs a (non-HA) router
    remove(client, admin, two, rid, 409)  # not hosted there
    assert cloud.app.get(UUID(rid), Router).host == "l3-host-1"

    remove(client, admin, one, rid, 204)
    assert hosting_agents(client, admin, rid) == [] and hosted_routers(client, admin, one) == []
    assert cloud.app.get(UUID(rid), Router).host is None
    remove(client, admin, one, rid, 409)

    add(client, admin, two, rid, 201)
    assert hosting_agents(client, admin, rid) == [two]
    assert cloud.app.get(UUID(rid), Router).host == "l3-host-2"
    assert ledger_of(cloud, "l3-host-1") == set()
    assert ledger_of(cloud, "l3-host-2") == {UUID(rid).hex}

    # Deleting the router releases it from its host.
    assert client.delete(f"{NET}/routers/{rid}", headers=auth(member_a)).status_code == 204
    cloud.sync_read_models()
    assert hosted_routers(client, admin, two) == [] and ledger_of(cloud, "l3-host-2") == set()


def test_refusals_change_nothing(cloud: Cloud, client: TestClient, admin: Who,
                                 member_a: Who) -> None:
    cloud.network_agents.register(RequestContext(user_id="network:l3-host-3"), "l3-host-3", {})
    cloud.sync_read_models()
    rid, agent = create_router(client, member_a)["id"], l3_agent("l3-host-3")
    dhcp = str(agent_id("l3-host-3", "DHCP agent"))
    add(client, member_a, agent, rid, 403)
    remove(client, member_a, agent, rid, 403)
    for path in (f"/agents/{agent}/l3-routers", f"/routers/{rid}/l3-agents"):
        assert client.get(f"{NET}{path}", headers=auth(member_a)).status_code == 403
    add(client, admin, dhcp, rid, 404)  # not an L3 agent
    assert hosted_routers(client, admin, dhcp) == []
    add(client, admin, "no-such-agent", rid, 404)
    add(client, admin, str(UUID(int=7)), rid, 404)
    add(client, admin, agent, str(UUID(int=9)), 404)  # no such router
    response = client.post(f"{NET}/agents/{agent}/l3-routers", headers=auth(admin), json={})
    assert response.status_code == 400, response.text
    assert client.get(f"{NET}/agents/{UUID(int=7)}/l3-routers",
                      headers=auth(admin)).status_code == 404
    assert client.get(f"{NET}/routers/{UUID(int=9)}/l3-agents",
                      headers=auth(admin)).status_code == 404
    # A disabled agent takes no router (Neutron's InvalidL3Agent).
    assert client.put(f"{NET}/agents/{agent}", headers=auth(admin),
                      json={"agent": {"admin_state_up": False}}).status_code == 200
    add(client, admin, agent, rid, 404)
    assert cloud.app.get(UUID(rid), Router).host is None
    assert ledger_of(cloud, "l3-host-3") == set()
