"""`/os-quota-class-sets`: the default class is every project's default for Nova's resources."""

from __future__ import annotations

from typing import Any

from tests.support.compute_api import SERVERS, Compute, auth

QCS = "/compute/v2.1/os-quota-class-sets"
QS = "/compute/v2.1/os-quota-sets"


def put_class(compute: Compute, who: dict[str, str], name: str, values: dict[str, Any],
              version: str | None = None) -> Any:
    return compute.client.put(f"{QCS}/{name}", json={"quota_class_set": values},
                              headers=auth(who, version))


def test_keys_follow_the_microversion(compute: Compute, admin: dict[str, str],
                                      member_a: dict[str, str]) -> None:
    old = compute.client.get(f"{QCS}/default", headers=auth(admin)).json()["quota_class_set"]
    assert old["id"] == "default" and old["floating_ips"] == 10 and old["instances"] == 10
    assert "server_groups" not in old and "injected_files" in old
    new = compute.client.get(f"{QCS}/default", headers=auth(admin, "2.57")).json()[
        "quota_class_set"]
    assert set(new) == {"id", "instances", "cores", "ram", "metadata_items", "key_pairs",
                        "server_groups", "server_group_members"}
    assert compute.client.get(f"{QCS}/default", headers=auth(member_a)).status_code == 403
    assert put_class(compute, member_a, "default", {"instances": 1}).status_code == 403
    assert put_class(compute, admin, "default", {"floating_ips": 3}, "2.50").status_code == 400
    assert put_class(compute, admin, "default", {"instances": "x"}, "2.57").status_code == 400
    assert put_class(compute, admin, "default", {"cores": -2}, "2.57").status_code == 400


def test_the_default_class_is_every_projects_default(
        compute: Compute, admin: dict[str, str], member_a: dict[str, str],
        member_b: dict[str, str]) -> None:
    own = compute.client.put(f"{QS}/{member_b['project_id']}", json={"quota_set": {
        "instances": 5}}, headers=auth(admin))
    assert own.status_code == 200, own.text
    answer = put_class(compute, admin, "default", {"instances": 1, "floating_ips": 2})
    assert answer.status_code == 200, answer.text
    body = answer.json()["quota_class_set"]
    assert "id" not in body and (body["instances"], body["floating_ips"]) == (1, 2)
    compute.cloud.sync_read_models()
    shown = compute.client.get(f"{QS}/{member_a['project_id']}", headers=auth(member_a)).json()
    assert shown["quota_set"]["instances"] == 1
    assert shown["quota_set"]["floating_ips"] == 10, "the Network API's limit, not the class's"
    defaults = compute.client.get(f"{QS}/{member_a['project_id']}/defaults",
                                  headers=auth(member_a)).json()["quota_set"]
    assert defaults["instances"] == 1
    compute.active(member_a)
    refused = compute.boot(member_a)
    assert refused.status_code == 403, refused.text
    compute.active(member_b)
    compute.active(member_b)  # the project's own limit (5) wins over the class
    other = compute.client.get(f"{QCS}/gold", headers=auth(admin)).json()["quota_class_set"]
    assert other["id"] == "gold" and other["instances"] == 10, "a class never set: defaults"
    put_class(compute, admin, "default", {"instances": 10})
    assert compute.boot(member_a).status_code == 202
    assert compute.client.get(SERVERS, headers=auth(member_a)).status_code == 200
