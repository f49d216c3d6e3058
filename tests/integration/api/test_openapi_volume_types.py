"""The OpenAPI document's bodies of volume types and qos-specs against what a normal flow
really answers, on both stores, as an admin and as a member (who sees fewer keys)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support.openapi_checks import Checked
from tests.support.volumes_api import Volumes, project_of


@pytest.fixture
def checked(client: TestClient) -> Checked:
    return Checked(client)


def test_volume_type_bodies_match_the_document(volumes: Volumes, checked: Checked,
                                               member_a: dict[str, str],
                                               admin: dict[str, str]) -> None:
    member, project = {"X-Auth-Token": member_a["token"]}, project_of(volumes.cloud, admin)
    base = "/volume/v3/{project_id}"
    types, one = f"{base}/types", f"{base}/types/{{type_id}}"
    made = checked.call("post", types, admin, project_id=project, json={"volume_type": {
        "name": "t", "extra_specs": {"k": "v"},
        "os-volume-type-access:is_public": False}})["volume_type"]
    checked.call("put", one, admin, project_id=project, type_id=made["id"],
                 json={"volume_type": {"description": "d"}})
    for who, where in ((admin, project), (member, member_a["project_id"])):
        checked.call("get", types, who, project_id=where)
        checked.call("get", one, who, project_id=where, type_id="default")
    specs = f"{one}/extra_specs"
    checked.call("post", specs, admin, project_id=project, type_id=made["id"],
                 json={"extra_specs": {"a": "b"}})
    checked.call("get", specs, admin, project_id=project, type_id=made["id"])
    checked.call("get", f"{one}/os-volume-type-access", admin, project_id=project,
                 type_id=made["id"])
    assert checked.seen == checked.modelled("volume: types")


def test_qos_bodies_match_the_document(volumes: Volumes, checked: Checked,
                                       admin: dict[str, str]) -> None:
    project = project_of(volumes.cloud, admin)
    qos, one = "/volume/v3/{project_id}/qos-specs", "/volume/v3/{project_id}/qos-specs/{qos_id}"
    made = checked.call("post", qos, admin, project_id=project, json={"qos_specs": {
        "name": "q", "consumer": "front-end", "read_iops_sec": "2000"}})["qos_specs"]
    checked.call("get", qos, admin, project_id=project)
    checked.call("get", one, admin, project_id=project, qos_id=made["id"])
    checked.call("put", one, admin, project_id=project, qos_id=made["id"],
                 json={"qos_specs": {"iops": "1"}})
    type_id = volumes.client.post(f"/volume/v3/{project}/types", headers=admin, json={
        "volume_type": {"name": "with-qos"}}).json()["volume_type"]["id"]
    associate = volumes.client.get(f"/volume/v3/{project}/qos-specs/{made['id']}/associate",
                                   params={"vol_type_id": type_id}, headers=admin)
    assert associate.status_code == 202, associate.text
    listed = checked.call("get", f"{one}/associations", admin, project_id=project,
                          qos_id=made["id"])
    assert listed == {"qos_associations": [
        {"association_type": "volume_type", "id": type_id, "name": "with-qos"}]}
    assert checked.seen == checked.modelled("volume: qos-specs")
