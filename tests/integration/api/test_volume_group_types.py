"""Cinder's group types (`/group_types`, 3.11) and their group specs, on both stores: made,
renamed (names unique), listed by visibility and sorted, specs set, shown, changed and removed,
deleted; administrators only change them, and below 3.11 they do not exist."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.compute_api import auth
from tests.support.volumes_api import Volumes


def call(volumes: Volumes, who: dict[str, str], method: str, path: str = "",
         version: str = "3.11", **kwargs: Any) -> httpx.Response:
    return volumes.client.request(method, volumes.url(who, f"group_types{path}"), headers={
        **auth(who), "OpenStack-API-Version": f"volume {version}"}, **kwargs)


def made(volumes: Volumes, admin: dict[str, str], **fields: Any) -> Any:
    response = call(volumes, admin, "POST", json={"group_type": fields})
    assert response.status_code == 202, response.text
    return response.json()["group_type"]


def test_group_type_lifecycle(volumes: Volumes, admin: dict[str, str],
                              member_a: dict[str, str]) -> None:
    gold = made(volumes, admin, name="gold", description="fast",
                group_specs={"consistent_group_snapshot_enabled": "<is> False"})
    assert (gold["name"], gold["description"], gold["is_public"]) == ("gold", "fast", True)
    assert call(volumes, admin, "POST", json={"group_type": {"name": "gold"}}).status_code == 409
    assert call(volumes, member_a, "POST", json={"group_type": {"name": "x"}}).status_code == 403
    assert call(volumes, admin, "GET", version="3.10").status_code == 404
    hidden = made(volumes, admin, name="a-hidden", is_public=False)
    listed = call(volumes, admin, "GET", params={"is_public": "None", "sort": "name:asc"})
    assert [t["name"] for t in listed.json()["group_types"]] == ["a-hidden", "gold"]
    public = call(volumes, admin, "GET").json()["group_types"]
    assert [t["name"] for t in public] == ["gold"]
    private = call(volumes, admin, "GET", params={"is_public": "false"}).json()["group_types"]
    assert [t["name"] for t in private] == ["a-hidden"]
    assert call(volumes, member_a, "GET", f"/{hidden['id']}").status_code == 404
    shown = call(volumes, member_a, "GET", f"/{gold['id']}").json()["group_type"]
    assert "group_specs" not in shown  # administrators only

    renamed = call(volumes, admin, "PUT", f"/{gold['id']}", json={
        "group_type": {"name": "platinum", "description": "faster"}})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["group_type"]["name"] == "platinum"
    made(volumes, admin, name="gold")  # the old name is free again
    assert call(volumes, admin, "DELETE", f"/{gold['id']}").status_code == 202
    assert call(volumes, admin, "GET", f"/{gold['id']}").status_code == 404


def test_group_specs(volumes: Volumes, admin: dict[str, str]) -> None:
    gtype = made(volumes, admin, name="specs")
    specs = f"/{gtype['id']}/group_specs"
    response = call(volumes, admin, "POST", specs, json={"group_specs": {"k1": "v1", "k2": "v2"}})
    assert response.status_code == 202 and response.json() == {
        "group_specs": {"k1": "v1", "k2": "v2"}}
    call(volumes, admin, "POST", specs, json={"group_specs": {"k2": "new", "k3": "v3"}})
    assert call(volumes, admin, "GET", f"{specs}/k2").json() == {"k2": "new"}
    changed = call(volumes, admin, "PUT", f"{specs}/k3", json={"k3": "changed"})
    assert changed.status_code == 200 and changed.json() == {"k3": "changed"}
    mismatch = call(volumes, admin, "PUT", f"{specs}/k3", json={"k1": "x"})
    assert mismatch.status_code == 400
    assert call(volumes, admin, "GET", specs).json()["group_specs"] == {
        "k1": "v1", "k2": "new", "k3": "changed"}
    for key in ("k1", "k2", "k3"):
        assert call(volumes, admin, "DELETE", f"{specs}/{key}").status_code == 202
        assert call(volumes, admin, "GET", f"{specs}/{key}").status_code == 404
    assert call(volumes, admin, "DELETE", f"{specs}/k1").status_code == 404
