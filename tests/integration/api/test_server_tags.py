"""`/servers/{id}/tags[/{tag}]` from 2.26, tags at boot from 2.52, and the list's tag filters:
Nova's server tags, changed through the Instance aggregate."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.compute_api import SERVERS, Compute, auth

V = "2.26"


def call(compute: Compute, who: dict[str, str], method: str, server_id: str, tag: str = "",
         body: Any = None, version: str = V) -> httpx.Response:
    url = f"{SERVERS}/{server_id}/tags" + (f"/{tag}" if tag else "")
    return compute.client.request(method, url, json=body, headers=auth(who, version))


def tags(compute: Compute, who: dict[str, str], server_id: str) -> list[str]:
    response = call(compute, who, "GET", server_id)
    assert response.status_code == 200, response.text
    return list(response.json()["tags"])


def test_add_check_replace_and_delete(compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    assert tags(compute, member_a, server_id) == []
    added = call(compute, member_a, "PUT", server_id, "blue")
    assert added.status_code == 201 and added.headers["location"].endswith("/tags/blue")
    assert call(compute, member_a, "PUT", server_id, "blue").status_code == 204  # had it
    assert call(compute, member_a, "GET", server_id, "blue").status_code == 204
    assert call(compute, member_a, "GET", server_id, "red").status_code == 404
    replaced = call(compute, member_a, "PUT", server_id, body={"tags": ["a", "b", "a"]})
    assert (replaced.status_code, replaced.json()) == (200, {"tags": ["a", "b"]})
    assert compute.show(member_a, server_id, V)["tags"] == ["a", "b"]
    assert "tags" not in compute.show(member_a, server_id, "2.25")
    assert call(compute, member_a, "DELETE", server_id, "a").status_code == 204
    assert call(compute, member_a, "DELETE", server_id, "a").status_code == 404
    assert call(compute, member_a, "DELETE", server_id).status_code == 204
    assert tags(compute, member_a, server_id) == []


def test_refusals_change_nothing(compute: Compute, member_a: dict[str, str],
                                 member_b: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    call(compute, member_a, "PUT", server_id, body={"tags": [f"t{i}" for i in range(50)]})
    too_many = call(compute, member_a, "PUT", server_id, "t50")
    assert too_many.status_code == 400 and "per-server limit 50" in too_many.text
    for body in ({"tags": [f"t{i}" for i in range(51)]}, {"tags": ["a,b"]}, {"tags": ["x" * 61]},
                 {"tags": [""]}, {"tag": ["a"]}, {"tags": "a"}):
        response = call(compute, member_a, "PUT", server_id, body=body)
        assert response.status_code == 400, (body, response.text)
    assert call(compute, member_a, "PUT", server_id, "a,b").status_code == 400
    assert len(tags(compute, member_a, server_id)) == 50
    assert call(compute, member_a, "GET", server_id, version="2.25").status_code == 404
    assert call(compute, member_b, "GET", server_id).status_code == 404
    assert call(compute, member_b, "DELETE", server_id).status_code == 404
    building = compute.booted(member_a)
    refused = call(compute, member_a, "PUT", building, "x")
    assert refused.status_code == 409 and "vm_state building" in refused.text
    assert len(tags(compute, member_a, server_id)) == 50


def test_tags_at_boot_and_the_list_filters(compute: Compute, member_a: dict[str, str]) -> None:
    # tags at boot from 2.52
    assert compute.boot(member_a, "2.51", tags=["a"], networks="none").status_code == 400
    both = compute.boot(member_a, "2.52", tags=["a", "b"], networks="none").json()["server"]["id"]
    only_a = compute.boot(member_a, "2.52", tags=["a"], networks="none").json()["server"]["id"]
    none = compute.boot(member_a, "2.52", networks="none").json()["server"]["id"]
    assert compute.show(member_a, both, "2.52")["tags"] == ["a", "b"]

    def listed(query: str, version: str = V) -> set[str]:
        response = compute.client.get(f"{SERVERS}?{query}", headers=auth(member_a, version))
        return {s["id"] for s in response.json()["servers"]}

    assert listed("tags=a,b") == {both}
    assert listed("tags-any=a,b") == {both, only_a}
    assert listed("not-tags=a,b") == {only_a, none}
    assert listed("not-tags-any=b") == {only_a, none}
    assert listed("tags=a,b", "2.25") == {both, only_a, none}  # no filter before 2.26
