"""Compute `/extensions`: Nova's static list, and one entry by alias."""

from __future__ import annotations

from tests.support.compute_api import Compute, auth


def test_list_and_show(compute: Compute, member_a: dict[str, str]) -> None:
    listed = compute.client.get("/compute/v2.1/extensions", headers=auth(member_a))
    assert listed.status_code == 200
    names = {e["name"] for e in listed.json()["extensions"]}
    assert {"Hosts", "Aggregates", "Keypairs"} <= names
    shown = compute.client.get("/compute/v2.1/extensions/os-hosts", headers=auth(member_a))
    assert shown.json()["extension"]["alias"] == "os-hosts"
    missing = compute.client.get("/compute/v2.1/extensions/os-nothing", headers=auth(member_a))
    assert missing.status_code == 404
    assert compute.client.get("/compute/v2.1/extensions").status_code == 401
