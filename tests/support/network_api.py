"""Networking `/network/v2.0` through the API: reads, a network, a booted server's port."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.compute_api import Compute, auth

NET = "/network/v2.0"


def get(client: TestClient, who: dict[str, str], path: str, **params: Any) -> Any:
    response = client.get(NET + path, headers=auth(who), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def create_network(client: TestClient, who: dict[str, str], name: str = "net",
                   cidr: str | None = "10.0.0.0/24") -> Any:
    """A network with one IPv4 subnet on `cidr` (None: none, as Neutron makes a network)."""
    response = client.post(f"{NET}/networks", headers=auth(who),
                           json={"network": {"name": name, "admin_state_up": True}})
    assert response.status_code == 201, response.text
    network = response.json()["network"]
    if cidr is None:
        return network
    subnet = create_subnet(client, who, network["id"], cidr)
    return {**network, "subnets": [subnet["id"]]}


def create_subnet(client: TestClient, who: dict[str, str], network_id: str, cidr: str,
                  **attributes: Any) -> Any:
    response = client.post(f"{NET}/subnets", headers=auth(who), json={"subnet": {
        "network_id": network_id, "cidr": cidr, "ip_version": 6 if ":" in cidr else 4,
        **attributes}})
    assert response.status_code == 201, response.text
    return response.json()["subnet"]


def booted_port(compute: Compute, who: dict[str, str]) -> tuple[str, dict[str, Any]]:
    response = compute.boot(who, version="2.37", networks="auto")
    assert response.status_code == 202, response.text
    server_id = str(response.json()["server"]["id"])
    compute.spawned(server_id)
    ports = get(compute.client, who, "/ports", device_id=server_id)["ports"]
    assert len(ports) == 1
    return server_id, ports[0]


def routed_to_public(client: TestClient, who: dict[str, str], subnet_id: str) -> Any:
    """A router from the subnet to the public network, which floating IPs on the subnet's
    ports need (Neutron's rule; a project's auto-made network needs none)."""
    public = get(client, who, "/networks", **{"router:external": "true"})["networks"][0]
    return routed_to(client, who, subnet_id, public["id"])


def routed_to(client: TestClient, who: dict[str, str], subnet_id: str,
              external_id: str) -> Any:
    """A router from the subnet to the external network `external_id`."""
    response = client.post(f"{NET}/routers", headers=auth(who), json={"router": {
        "name": "to-external", "external_gateway_info": {"network_id": external_id}}})
    assert response.status_code == 201, response.text
    router = response.json()["router"]
    added = client.put(f"{NET}/routers/{router['id']}/add_router_interface", headers=auth(who),
                       json={"subnet_id": subnet_id})
    assert added.status_code == 200, added.text
    return router
