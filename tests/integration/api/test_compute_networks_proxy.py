"""Compute `/os-networks` and `/os-tenant-networks` (below 2.36): the networks a project sees,
in Nova's shape; another project's network is not found."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.compute_api import auth
from tests.support.network_api import create_network

BASE = "/compute/v2.1"


def get(client: TestClient, who: dict[str, str], path: str, version: str | None = None,
        expect: int = 200) -> Any:
    response = client.get(f"{BASE}{path}", headers=auth(who, version))
    assert response.status_code == expect, response.text
    return response.json()


def test_networks_a_project_sees(client: TestClient, admin: dict[str, str],
                                 member_a: dict[str, str], member_b: dict[str, str]) -> None:
    mine = create_network(client, member_a, "net-a")
    theirs = create_network(client, member_b, "net-b")
    listed = get(client, member_a, "/os-networks")["networks"]
    by_id = {n["id"]: n for n in listed}
    assert mine["id"] in by_id and theirs["id"] not in by_id
    assert by_id[mine["id"]]["label"] == "net-a" and by_id[mine["id"]]["cidr"]
    assert get(client, member_a, f"/os-networks/{mine['id']}")["network"]["label"] == "net-a"
    get(client, member_a, f"/os-networks/{theirs['id']}", expect=404)
    tenant = get(client, member_a, "/os-tenant-networks")["networks"]
    assert {"id": mine["id"], "label": "net-a", "cidr": None} in tenant
    shown = get(client, member_a, f"/os-tenant-networks/{mine['id']}")["network"]
    assert shown == {"id": mine["id"], "label": "net-a", "cidr": None}
    assert theirs["id"] in {n["id"] for n in get(client, admin, "/os-networks")["networks"]}
    public = [n for n in listed if n["label"] == "public"]  # the floating pool, seen by all
    assert len(public) == 1
    assert get(client, member_a, f"/os-networks/{public[0]['id']}")["network"] == public[0]
    get(client, member_a, "/os-networks", version="2.36", expect=404)
    get(client, member_a, "/os-tenant-networks/nonsense", expect=404)
