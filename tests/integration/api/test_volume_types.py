"""Block Storage volume types as Cinder serves them: the default type, CRUD, extra specs,
private types and their access lists, volumes made and retyped with a type, and a type in use
that cannot be deleted."""

from __future__ import annotations

from typing import Any

import httpx

from ops.bootstrap import Cloud
from tests.support.compute_api import auth
from tests.support.volumes_api import Volumes

DEFAULT_ID = "5f1b0e1c-7a4f-5b4e-9d0a-3c2f5a7e8b61"


def types_call(volumes: Volumes, who: dict[str, str], method: str, path: str = "",
               **kwargs: Any) -> httpx.Response:
    return volumes.client.request(method, volumes.url(who, f"types{path}"), headers=auth(who),
                                  **kwargs)


def make_type(volumes: Volumes, admin: dict[str, str], name: str, **fields: Any) -> Any:
    response = types_call(volumes, admin, "POST", json={"volume_type": {"name": name, **fields}})
    assert response.status_code == 200, response.text
    return response.json()["volume_type"]


def test_the_default_type_is_there_and_used(volumes: Volumes, admin: dict[str, str],
                                            member_a: dict[str, str]) -> None:
    shown = types_call(volumes, member_a, "GET", "/default").json()["volume_type"]
    assert shown["id"] == DEFAULT_ID and shown["name"] == "__DEFAULT__"
    assert shown["is_public"] is True and "qos_specs_id" not in shown  # admins only
    listed = types_call(volumes, member_a, "GET").json()["volume_types"]
    assert [t["name"] for t in listed] == ["__DEFAULT__"]
    volume = volumes.show(member_a, volumes.made(member_a))
    assert volume["volume_type"] == "__DEFAULT__"
    response = types_call(volumes, admin, "DELETE", f"/{DEFAULT_ID}")
    assert response.status_code == 400, response.text


def test_type_crud_and_names_are_unique(volumes: Volumes, admin: dict[str, str]) -> None:
    made = make_type(volumes, admin, "gold", description="fast",
                     extra_specs={"vendor_name": "Open Source"},
                     **{"os-volume-type-access:is_public": "true"})
    assert made["os-volume-type-access:is_public"] is True
    assert made["extra_specs"] == {"vendor_name": "Open Source"}
    again = types_call(volumes, admin, "POST", json={"volume_type": {"name": "gold"}})
    assert again.status_code == 409, again.text
    assert types_call(volumes, admin, "POST",
                      json={"volume_type": {"name": " "}}).status_code == 400
    updated = types_call(volumes, admin, "PUT", f"/{made['id']}", json={
        "volume_type": {"name": "platinum", "is_public": False}}).json()["volume_type"]
    assert updated["name"] == "platinum" and updated["is_public"] is False
    assert "os-volume-type-access:is_public" not in updated  # as Cinder's update answers
    assert types_call(volumes, admin, "PUT", f"/{made['id']}",
                      json={"volume_type": {}}).status_code == 400
    make_type(volumes, admin, "gold")  # the old name is free again
    assert types_call(volumes, admin, "DELETE", f"/{made['id']}").status_code == 202
    assert types_call(volumes, admin, "GET", f"/{made['id']}").status_code == 404
    assert types_call(volumes, admin, "DELETE", f"/{made['id']}").status_code == 404


def test_extra_specs(volumes: Volumes, admin: dict[str, str],
                     member_a: dict[str, str]) -> None:
    type_id = make_type(volumes, admin, "specs")["id"]
    response = types_call(volumes, admin, "POST", f"/{type_id}/extra_specs",
                          json={"extra_specs": {"spec1": "v1", "multiattach": "<is> False"}})
    assert response.json() == {"extra_specs": {"spec1": "v1", "multiattach": "<is> False"}}
    spec = types_call(volumes, admin, "PUT", f"/{type_id}/extra_specs/spec1",
                      json={"spec1": "v2"})
    assert spec.json() == {"spec1": "v2"}
    for bad_key, body in (("spec1", None), ("other", {"spec1": "v"}),
                          ("spec1", {"spec1": "a", "spec2": "b"})):
        response = types_call(volumes, admin, "PUT", f"/{type_id}/extra_specs/{bad_key}",
                              json=body)
        assert response.status_code == 400, response.text
    for body in (None, {"extra_specs": ["invalid"]}):
        response = types_call(volumes, admin, "POST", f"/{type_id}/extra_specs", json=body)
        assert response.status_code == 400, response.text
    assert types_call(volumes, admin, "GET", f"/{type_id}/extra_specs/spec1").json() == \
        {"spec1": "v2"}
    # Members see only Cinder's user-visible extra specs.
    assert types_call(volumes, member_a, "GET", f"/{type_id}/extra_specs").json() == \
        {"extra_specs": {"multiattach": "<is> False"}}
    assert types_call(volumes, member_a, "POST", f"/{type_id}/extra_specs",
                      json={"extra_specs": {"a": "b"}}).status_code == 403
    assert types_call(volumes, admin, "DELETE",
                      f"/{type_id}/extra_specs/spec1").status_code == 202
    assert types_call(volumes, admin, "GET", f"/{type_id}/extra_specs/spec1").status_code == 404
    missing = "6c7b5d7a-0b5e-4a36-9d65-2a1b4a0e9f11"
    assert types_call(volumes, admin, "GET", f"/{missing}/extra_specs").status_code == 404
    assert types_call(volumes, admin, "POST", f"/{missing}/extra_specs",
                      json={"extra_specs": {"a": "b"}}).status_code == 404


def test_private_types_need_access(volumes: Volumes, admin: dict[str, str],
                                   member_a: dict[str, str]) -> None:
    private = make_type(volumes, admin, "private",
                        **{"os-volume-type-access:is_public": False})
    assert volumes.create(member_a, volume_type=private["id"]).status_code == 404
    assert types_call(volumes, member_a, "GET", f"/{private['id']}").status_code == 404
    action = types_call(volumes, admin, "POST", f"/{private['id']}/action",
                        json={"addProjectAccess": {"project": member_a["project_id"]}})
    assert action.status_code == 202, action.text
    again = types_call(volumes, admin, "POST", f"/{private['id']}/action",
                       json={"addProjectAccess": {"project": member_a["project_id"]}})
    assert again.status_code == 409
    access = types_call(volumes, admin, "GET", f"/{private['id']}/os-volume-type-access")
    assert access.json() == {"volume_type_access": [
        {"volume_type_id": private["id"], "project_id": member_a["project_id"]}]}
    assert private["id"] in [t["id"] for t in types_call(volumes, member_a, "GET").json()[
        "volume_types"]]
    volume = volumes.show(member_a, volumes.made(member_a, volume_type="private"))
    assert volume["volume_type"] == "private"
    types_call(volumes, admin, "POST", f"/{private['id']}/action",
               json={"removeProjectAccess": {"project": member_a["project_id"]}})
    assert volumes.create(member_a, volume_type=private["id"]).status_code == 404


def test_a_type_in_use_is_not_deleted(cloud: Cloud, volumes: Volumes, admin: dict[str, str],
                                      member_a: dict[str, str]) -> None:
    gold = make_type(volumes, admin, "gold")
    volume_id = volumes.ready(member_a, volume_type=gold["id"])
    volume = volumes.client.get(volumes.url(member_a, f"volumes/{volume_id}"),
                                headers={**auth(member_a), "OpenStack-API-Version":
                                         "volume 3.63"}).json()["volume"]
    assert (volume["volume_type"], volume["volume_type_id"]) == ("gold", gold["id"])
    refused = types_call(volumes, admin, "DELETE", f"/{gold['id']}")
    assert refused.status_code == 400 and "still in use" in refused.text
    # Renamed, the volume shows the new name (Cinder joins the type).
    types_call(volumes, admin, "PUT", f"/{gold['id']}", json={"volume_type": {"name": "au"}})
    assert volumes.show(member_a, volume_id)["volume_type"] == "au"
    assert volumes.client.delete(volumes.url(member_a, f"volumes/{volume_id}"),
                                 headers=auth(member_a)).status_code == 202
    assert types_call(volumes, admin, "DELETE", f"/{gold['id']}").status_code == 400
    volumes.report("deleted", volume_id)  # the worker confirms: the type is free
    assert types_call(volumes, admin, "DELETE", f"/{gold['id']}").status_code == 202


def test_retype_within_the_pool(volumes: Volumes, admin: dict[str, str],
                                member_a: dict[str, str]) -> None:
    silver, other = make_type(volumes, admin, "silver"), make_type(
        volumes, admin, "remote", extra_specs={"volume_backend_name": "elsewhere"})
    volume_id = volumes.ready(member_a)
    response = volumes.action(member_a, volume_id, {"os-retype": {"new_type": "silver"}})
    assert response.status_code == 202, response.text
    assert volumes.show(member_a, volume_id)["volume_type"] == "silver"
    assert types_call(volumes, admin, "DELETE", f"/{silver['id']}").status_code == 400
    same = volumes.action(member_a, volume_id, {"os-retype": {"new_type": silver["id"]}})
    assert same.status_code == 400
    moved = volumes.action(member_a, volume_id, {"os-retype": {"new_type": other["id"]}})
    assert moved.status_code == 400  # another backend: that would be a migration
    volumes.action(member_a, volume_id, {"os-retype": {"new_type": "__DEFAULT__"}})
    assert volumes.show(member_a, volume_id)["volume_type"] == "__DEFAULT__"
    assert types_call(volumes, admin, "DELETE", f"/{silver['id']}").status_code == 202
