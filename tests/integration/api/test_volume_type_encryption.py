"""A volume type's encryption specs (`/types/{id}/encryption`), on both stores: made, shown
whole and by key, changed, removed; only while no volume uses the type, administrators only.
A volume of an encrypted type is refused: there is no key manager to encrypt it with."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.api.test_volume_types import make_type
from tests.support.compute_api import auth
from tests.support.volumes_api import Volumes


def call(volumes: Volumes, who: dict[str, str], method: str, type_id: str, path: str = "",
         **kwargs: Any) -> httpx.Response:
    return volumes.client.request(method, volumes.url(who, f"types/{type_id}/encryption{path}"),
                                  headers=auth(who), **kwargs)


def test_encryption_specs(volumes: Volumes, admin: dict[str, str],
                          member_a: dict[str, str]) -> None:
    vtype = make_type(volumes, admin, "secret", **{"os-volume-type-access:is_public": True})
    assert call(volumes, admin, "GET", vtype["id"]).json() == {}
    specs = {"provider": "LuksEncryptor", "key_size": 256, "cipher": "aes-xts-plain64",
             "control_location": "front-end"}
    refused = call(volumes, member_a, "POST", vtype["id"], json={"encryption": specs})
    assert refused.status_code == 403
    made = call(volumes, admin, "POST", vtype["id"], json={"encryption": specs})
    assert made.status_code == 200, made.text
    body = made.json()["encryption"]
    assert body == {**specs, "volume_type_id": vtype["id"],
                    "encryption_id": body["encryption_id"]}
    again = call(volumes, admin, "POST", vtype["id"], json={"encryption": specs})
    assert again.status_code == 400
    shown = call(volumes, admin, "GET", vtype["id"]).json()
    assert {k: shown[k] for k in specs} == specs and shown["deleted"] is False
    changed = call(volumes, admin, "PUT", vtype["id"], f"/{body['encryption_id']}",
                   json={"encryption": {"key_size": 128, "control_location": "back-end"}})
    assert changed.status_code == 200
    assert changed.json() == {"encryption": {"key_size": 128, "control_location": "back-end"}}
    assert call(volumes, admin, "GET", vtype["id"], "/cipher").json() == {
        "cipher": "aes-xts-plain64"}
    assert call(volumes, admin, "GET", vtype["id"], "/nope").status_code == 404

    refused_volume = volumes.create(member_a, volume_type=vtype["id"])
    assert refused_volume.status_code == 400
    assert "encrypted" in refused_volume.json()["badRequest"]["message"]

    wrong = call(volumes, admin, "DELETE", vtype["id"], "/00000000-0000-0000-0000-000000000000")
    assert wrong.status_code == 404
    gone = call(volumes, admin, "DELETE", vtype["id"], f"/{body['encryption_id']}")
    assert gone.status_code == 202
    assert call(volumes, admin, "GET", vtype["id"]).json() == {}
    volumes.made(member_a, volume_type=vtype["id"])  # unencrypted again: volumes are made


def test_specs_do_not_change_under_volumes(volumes: Volumes, admin: dict[str, str],
                                           member_a: dict[str, str]) -> None:
    vtype = make_type(volumes, admin, "busy")
    volumes.made(member_a, volume_type=vtype["id"])
    refused = call(volumes, admin, "POST", vtype["id"], json={"encryption": {"provider": "p"}})
    assert refused.status_code == 400
    assert "Volume type in use" in refused.json()["badRequest"]["message"]
