"""Block Storage input and isolation: bad input is Cinder's 400 (or 404) and records nothing;
one project can neither see nor touch another's volumes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.context import SYSTEM
from domain.identity.role import role_id
from ops.bootstrap import Cloud
from tests.support.compute_api import auth
from tests.support.identity import make_member, password_token
from tests.support.volumes_api import Volumes

BAD_VOLUMES = [
    {"size": 0}, {"size": -1}, {"size": 2**63}, {"size": 2**31}, {"size": "abc"},
    {"size": "1.5"}, {"size": 1.5}, {"size": True}, {"size": None}, {},
    {"size": 1, "name": "x" * 256}, {"size": 1, "description": "d" * 256},
    {"size": 1, "name": "nul\x00name"}, {"size": 1, "metadata": {"": "v"}},
    {"size": 1, "metadata": {"k": "v" * 256}}, {"size": 1, "metadata": ["not", "a", "map"]},
    {"size": 1, "imageRef": "not-an-image"},
    {"size": 1, "imageRef": "6c7b5d7a-0b5e-4a36-9d65-2a1b4a0e9f11"},
    {"size": 1, "availability_zone": "elsewhere"},
    {"size": 1, "multiattach": True},
]


def assert_nothing_recorded(cloud: Cloud, head: int) -> None:
    assert cloud.app.head() == head


@pytest.mark.parametrize("fields", BAD_VOLUMES, ids=lambda f: repr(f)[:40])
def test_bad_volumes_are_refused_and_record_nothing(cloud: Cloud, volumes: Volumes,
                                                    member_a: dict[str, str],
                                                    fields: dict[str, Any]) -> None:
    head = cloud.app.head()
    response = volumes.client.post(volumes.url(member_a), headers=auth(member_a),
                                   json={"volume": fields})
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"badRequest"}
    assert_nothing_recorded(cloud, head)


@pytest.mark.parametrize("body", [None, b"{not json", b"[]", b'{"volume": 3}',
                                  b'{"volume": {"size": 1}, "extra": 1}'])
def test_malformed_bodies_are_400(cloud: Cloud, volumes: Volumes,
                                  member_a: dict[str, str], body: bytes | None) -> None:
    head = cloud.app.head()
    response = volumes.client.post(volumes.url(member_a), content=body,
                                   headers={**auth(member_a), "Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert_nothing_recorded(cloud, head)


@pytest.mark.parametrize("field", ["snapshot_id", "source_volid", "backup_id"])
def test_unknown_sources_are_404(cloud: Cloud, volumes: Volumes, member_a: dict[str, str],
                                 field: str) -> None:
    """As Cinder, which looks the source up before anything else."""
    head = cloud.app.head()
    response = volumes.create(member_a, **{field: "6c7b5d7a-0b5e-4a36-9d65-2a1b4a0e9f11"})
    assert response.status_code == 404, response.text
    assert_nothing_recorded(cloud, head)


def test_unknown_volume_type_is_404(volumes: Volumes, member_a: dict[str, str]) -> None:
    response = volumes.create(member_a, volume_type="gold")
    assert response.status_code == 404
    assert "itemNotFound" in response.json()
    assert volumes.create(member_a, volume_type="__DEFAULT__").status_code == 202


def test_clients_sending_every_field_as_null_are_served(volumes: Volumes,
                                                        member_a: dict[str, str]) -> None:
    """cinderclient (behind the openstack CLI) sends every field, most of them null."""
    body = {"size": 1, "consistencygroup_id": None, "snapshot_id": None, "name": "cli",
            "description": None, "volume_type": None, "availability_zone": None,
            "metadata": {}, "imageRef": None, "source_volid": None, "backup_id": None,
            "multiattach": False, "status": "creating", "attach_status": "detached"}
    response = volumes.client.post(volumes.url(member_a), headers=auth(member_a),
                                   json={"volume": body})
    assert response.status_code == 202, response.text
    assert response.json()["volume"]["name"] == "cli"


@pytest.mark.parametrize("action", [
    {"os-extend": {"new_size": 1}}, {"os-extend": {"new_size": "abc"}},
    {"os-extend": {"new_size": 0}}, {"os-extend": {}}, {"os-extend": {"new_size": 2**63}},
    {"os-explode": {}}, {"os-extend": {"new_size": 3}, "os-reset_status": {}}, [],
])
def test_bad_actions_are_400(cloud: Cloud, volumes: Volumes, member_a: dict[str, str],
                             action: Any) -> None:
    volume_id = volumes.ready(member_a)
    head = cloud.app.head()
    response = volumes.action(member_a, volume_id, action)
    assert response.status_code == 400, response.text
    assert_nothing_recorded(cloud, head)
    assert volumes.show(member_a, volume_id)["size"] == 1


def test_extending_a_creating_volume_is_cinders_invalid_volume(
        volumes: Volumes, member_a: dict[str, str]) -> None:
    volume_id = volumes.made(member_a)
    response = volumes.action(member_a, volume_id, {"os-extend": {"new_size": 2}})
    assert response.status_code == 400
    assert response.json()["badRequest"]["message"] == (
        f"Invalid volume: Volume {volume_id} status must be available to extend, but current "
        "status is: creating.")


def test_bad_updates_change_nothing(cloud: Cloud, volumes: Volumes,
                                    member_a: dict[str, str]) -> None:
    volume_id = volumes.ready(member_a, name="keep")
    head = cloud.app.head()
    for body in ({"volume": {"name": "n" * 256}}, {"volume": {"size": 5}}, {"name": "x"},
                 {"volume": {"status": "available"}}):
        response = volumes.client.put(volumes.url(member_a, f"volumes/{volume_id}"),
                                      headers=auth(member_a), json=body)
        assert response.status_code == 400, (body, response.text)
    assert_nothing_recorded(cloud, head)
    assert volumes.show(member_a, volume_id)["name"] == "keep"


@pytest.mark.parametrize("ref", ["nope", "6c7b5d7a-0b5e-4a36-9d65-2a1b4a0e9f11"])
def test_unknown_volumes_are_404(volumes: Volumes, member_a: dict[str, str],
                                 ref: str) -> None:
    assert volumes.get(member_a, ref).status_code == 404
    assert volumes.action(member_a, ref, {"os-extend": {"new_size": 2}}).status_code == 404
    path = volumes.url(member_a, f"volumes/{ref}")
    assert volumes.client.delete(path, headers=auth(member_a)).status_code == 404


def test_the_url_project_must_be_the_tokens(volumes: Volumes, member_a: dict[str, str],
                                            member_b: dict[str, str]) -> None:
    volume_id = volumes.made(member_a)
    foreign = volumes.url(member_a, f"volumes/{volume_id}")
    response = volumes.client.get(foreign, headers=auth(member_b))
    assert response.status_code == 400
    assert response.json() == {"badRequest": {"code": 400, "message": "Malformed request url"}}
    listing = volumes.client.get(volumes.url(member_a), headers=auth(member_b))
    assert listing.status_code == 400
    assert volumes.client.get(volumes.url(member_a), headers={}).status_code == 401


def test_projects_are_isolated(cloud: Cloud, volumes: Volumes, member_a: dict[str, str],
                               member_b: dict[str, str]) -> None:
    theirs = volumes.ready(member_a, name="alice's")
    head = cloud.app.head()
    assert volumes.get(member_b, theirs).status_code == 404
    assert volumes.listed(member_b)["volumes"] == []
    assert volumes.listed(member_b, all_tenants="1")["volumes"] == []
    mine = volumes.url(member_b, f"volumes/{theirs}")
    assert volumes.client.put(mine, headers=auth(member_b),
                              json={"volume": {"name": "bob's"}}).status_code == 404
    assert volumes.client.delete(mine, headers=auth(member_b)).status_code == 404
    assert volumes.action(member_b, theirs, {"os-extend": {"new_size": 9}}).status_code == 404
    assert_nothing_recorded(cloud, head)
    shown = volumes.show(member_a, theirs)
    assert (shown["name"], shown["size"], shown["status"]) == ("alice's", 1, "available")


def test_a_reader_may_look_but_not_make(cloud: Cloud, client: TestClient, volumes: Volumes,
                                        member_a: dict[str, str]) -> None:
    volume_id = volumes.made(member_a)
    reader = make_member(cloud, "project-r", "rita", role="reader")
    cloud.identity.grant(SYSTEM, member_a["project_id"], reader["user_id"], role_id("reader").hex)
    cloud.sync_read_models()
    token = password_token(client, "rita", reader["password"], "project-a")
    rita = {"token": token, "project_id": member_a["project_id"]}
    assert volumes.get(rita, volume_id).status_code == 200
    assert volumes.create(rita).status_code == 403
    path = volumes.url(rita, f"volumes/{volume_id}")
    assert volumes.client.delete(path, headers=auth(rita)).status_code == 403
