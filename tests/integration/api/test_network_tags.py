"""Neutron's `standard-attr-tag` through the API, on both stores: tags on networks, subnets,
ports, routers and subnet pools (add, check, list, replace, remove, remove all), shown in the
resources' bodies, refused on another project's resource and on bad input, and rebuilt
identically from the events."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from tests.support.compute_api import auth
from tests.support.network_api import NET, create_network, get

Who = dict[str, str]


def made(client: TestClient, who: Who, path: str, body: dict[str, Any]) -> str:
    response = client.post(f"{NET}{path}", headers=auth(who), json=body)
    assert response.status_code == 201, response.text
    return str(next(iter(response.json().values()))["id"])


def resources(client: TestClient, who: Who) -> dict[str, str]:
    """One resource of each taggable kind, by its collection name."""
    network = create_network(client, who, "tagged", "10.7.0.0/24")
    return {
        "networks": network["id"], "subnets": network["subnets"][0],
        "ports": made(client, who, "/ports", {"port": {"network_id": network["id"]}}),
        "routers": made(client, who, "/routers", {"router": {"name": "r"}}),
        "subnetpools": made(client, who, "/subnetpools", {"subnetpool": {
            "name": "p", "prefixes": ["10.128.0.0/16"], "default_prefixlen": 24}}),
    }


def test_tags_on_every_taggable_resource(client: TestClient, member_a: Who) -> None:
    for kind, resource_id in resources(client, member_a).items():
        tags = f"{NET}/{kind}/{resource_id}/tags"
        assert client.put(f"{tags}/red", headers=auth(member_a)).status_code == 201
        assert client.put(f"{tags}/red", headers=auth(member_a)).status_code == 201  # again
        assert client.put(f"{tags}/blue", headers=auth(member_a)).status_code == 201
        assert get(client, member_a, f"/{kind}/{resource_id}/tags") == {"tags": ["red", "blue"]}
        assert client.get(f"{tags}/red", headers=auth(member_a)).status_code == 204
        assert client.get(f"{tags}/green", headers=auth(member_a)).status_code == 404
        # The resource's own body shows them, alone and in its list.
        singular = kind[:-1]
        assert get(client, member_a, f"/{kind}/{resource_id}")[singular]["tags"] == [
            "red", "blue"]
        listed = get(client, member_a, f"/{kind}")[kind]
        assert next(r for r in listed if r["id"] == resource_id)["tags"] == ["red", "blue"]

        replaced = client.put(tags, headers=auth(member_a), json={"tags": ["a", "b", "c"]})
        assert replaced.status_code == 200 and replaced.json() == {"tags": ["a", "b", "c"]}
        assert client.delete(f"{tags}/b", headers=auth(member_a)).status_code == 204
        assert client.delete(f"{tags}/b", headers=auth(member_a)).status_code == 404
        assert get(client, member_a, f"/{kind}/{resource_id}/tags") == {"tags": ["a", "c"]}
        assert client.delete(tags, headers=auth(member_a)).status_code == 204
        assert get(client, member_a, f"/{kind}/{resource_id}/tags") == {"tags": []}


def test_bad_tags_and_other_projects_change_nothing(client: TestClient, member_a: Who,
                                                   member_b: Who) -> None:
    ids = resources(client, member_a)
    tags = f"{NET}/ports/{ids['ports']}/tags"
    assert client.put(tags, headers=auth(member_a), json={"tags": ["x"]}).status_code == 200
    for bad in (["dup", "dup"], ["x" * 256], [1], [f"t{i}" for i in range(51)]):
        response = client.put(tags, headers=auth(member_a), json={"tags": bad})
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["NeutronError"]["type"]
    assert client.put(f"{tags}/{'y' * 256}", headers=auth(member_a)).status_code == 400
    # Another project's resource does not exist for member_b, to read or to tag.
    assert client.get(tags, headers=auth(member_b)).status_code == 404
    assert client.put(f"{tags}/mine", headers=auth(member_b)).status_code == 404
    assert client.delete(tags, headers=auth(member_b)).status_code == 404
    assert client.put(f"{NET}/ports/not-a-uuid/tags/t",
                      headers=auth(member_a)).status_code == 404
    assert get(client, member_a, f"/ports/{ids['ports']}/tags") == {"tags": ["x"]}


def test_tags_read_model_rebuilds_identically(cloud: Cloud, client: TestClient,
                                              member_a: Who) -> None:
    ids = resources(client, member_a)
    for kind, resource_id in ids.items():
        client.put(f"{NET}/{kind}/{resource_id}/tags", headers=auth(member_a),
                   json={"tags": [kind, "shared"]})
    cloud.sync_read_models()
    before = cloud.store.query("SELECT * FROM resource_tags ORDER BY id")
    cloud.runners["resource_tags"].rebuild()
    assert cloud.store.query("SELECT * FROM resource_tags ORDER BY id") == before
    assert len(before) == len(ids)
