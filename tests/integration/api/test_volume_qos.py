"""Block Storage qos-specs as Cinder serves them: CRUD, keys, consumers, associations with
volume types (one qos per type), and a delete refused while associated unless forced."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.compute_api import auth
from tests.support.volumes_api import Volumes


def call(volumes: Volumes, who: dict[str, str], method: str, path: str = "",
         **kwargs: Any) -> httpx.Response:
    return volumes.client.request(method, volumes.url(who, f"qos-specs{path}"),
                                  headers=auth(who), **kwargs)


def make_type(volumes: Volumes, admin: dict[str, str], name: str) -> str:
    response = volumes.client.post(volumes.url(admin, "types"), headers=auth(admin),
                                   json={"volume_type": {"name": name}})
    assert response.status_code == 200, response.text
    return str(response.json()["volume_type"]["id"])


def test_qos_specs_crud_and_keys(volumes: Volumes, admin: dict[str, str],
                                 member_a: dict[str, str]) -> None:
    made = call(volumes, admin, "POST", json={"qos_specs": {
        "name": "gold", "consumer": "both", "read_iops_sec": "2000"}})
    assert made.status_code == 200, made.text
    qos = made.json()["qos_specs"]
    assert (qos["name"], qos["consumer"], qos["specs"]) == ("gold", "both",
                                                            {"read_iops_sec": "2000"})
    assert made.json()["links"][0]["rel"] == "self"
    assert call(volumes, admin, "POST", json={"qos_specs": {"name": "gold"}}).status_code == 409
    assert call(volumes, admin, "POST", json={"qos_specs": {
        "name": "x", "consumer": "sideways"}}).status_code == 400
    assert call(volumes, admin, "GET").json()["qos_specs"] == [qos]
    assert call(volumes, member_a, "GET").status_code == 403
    put = call(volumes, admin, "PUT", f"/{qos['id']}", json={"qos_specs": {"iops": "9"}})
    assert put.json() == {"qos_specs": {"iops": "9"}}
    unset = call(volumes, admin, "PUT", f"/{qos['id']}/delete_keys",
                 json={"keys": ["read_iops_sec"]})
    assert unset.status_code == 202, unset.text
    assert call(volumes, admin, "GET", f"/{qos['id']}").json()["qos_specs"]["specs"] == {
        "iops": "9"}
    assert call(volumes, admin, "DELETE", f"/{qos['id']}").status_code == 202
    assert call(volumes, admin, "GET", f"/{qos['id']}").status_code == 404
    made_again = call(volumes, admin, "POST", json={"qos_specs": {"name": "gold"}})
    assert made_again.json()["qos_specs"]["consumer"] == "back-end"  # Cinder's default


def test_associations(volumes: Volumes, admin: dict[str, str]) -> None:
    qos = call(volumes, admin, "POST", json={"qos_specs": {"name": "q"}}).json()["qos_specs"]
    other = call(volumes, admin, "POST", json={"qos_specs": {"name": "o"}}).json()["qos_specs"]
    types = [make_type(volumes, admin, f"t{i}") for i in range(3)]
    for type_id in types:
        response = call(volumes, admin, "GET", f"/{qos['id']}/associate",
                        params={"vol_type_id": type_id})
        assert response.status_code == 202, response.text
    associated = call(volumes, admin, "GET", f"/{qos['id']}/associations").json()
    assert sorted(a["id"] for a in associated["qos_associations"]) == sorted(types)
    shown = volumes.client.get(volumes.url(admin, f"types/{types[0]}"), headers=auth(admin))
    assert shown.json()["volume_type"]["qos_specs_id"] == qos["id"]
    taken = call(volumes, admin, "GET", f"/{other['id']}/associate",
                 params={"vol_type_id": types[0]})
    assert taken.status_code == 400  # one qos per type
    assert call(volumes, admin, "GET", f"/{qos['id']}/associate").status_code == 400
    assert call(volumes, admin, "DELETE", f"/{qos['id']}").status_code == 400  # in use
    call(volumes, admin, "GET", f"/{qos['id']}/disassociate", params={"vol_type_id": types[0]})
    assert len(call(volumes, admin, "GET", f"/{qos['id']}/associations").json()[
        "qos_associations"]) == 2
    # A type deleted leaves its association.
    assert volumes.client.delete(volumes.url(admin, f"types/{types[1]}"),
                                 headers=auth(admin)).status_code == 202
    assert len(call(volumes, admin, "GET", f"/{qos['id']}/associations").json()[
        "qos_associations"]) == 1
    assert call(volumes, admin, "DELETE", f"/{qos['id']}",
                params={"force": "true"}).status_code == 202
    shown = volumes.client.get(volumes.url(admin, f"types/{types[2]}"), headers=auth(admin))
    assert shown.json()["volume_type"]["qos_specs_id"] is None
    call(volumes, admin, "GET", f"/{other['id']}/associate", params={"vol_type_id": types[2]})
    assert call(volumes, admin, "GET", f"/{other['id']}/disassociate_all").status_code == 202
    assert call(volumes, admin, "GET", f"/{other['id']}/associations").json() == {
        "qos_associations": []}
