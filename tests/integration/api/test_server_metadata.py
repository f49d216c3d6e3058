"""`/servers/{id}/metadata[/{key}]`: Nova's server metadata API, changed through the Instance
aggregate; refused changes (bad keys, quota, locks, busy servers, other projects) change
nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.support.compute_api import SERVERS, Compute, auth


def call(compute: Compute, who: dict[str, str], method: str, server_id: str, key: str = "",
         body: Any = None) -> httpx.Response:
    url = f"{SERVERS}/{server_id}/metadata" + (f"/{key}" if key else "")
    return compute.client.request(method, url, json=body, headers=auth(who))


def metadata(compute: Compute, who: dict[str, str], server_id: str) -> dict[str, str]:
    response = call(compute, who, "GET", server_id)
    assert response.status_code == 200, response.text
    return dict(response.json()["metadata"])


def test_set_merge_replace_show_and_delete(compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a, metadata={"a": "1"})
    assert metadata(compute, member_a, server_id) == {"a": "1"}
    merged = call(compute, member_a, "POST", server_id, body={"metadata": {"b": "2", "a": "x"}})
    assert (merged.status_code, merged.json()) == (200, {"metadata": {"a": "x", "b": "2"}})
    one = call(compute, member_a, "PUT", server_id, "c", {"meta": {"c": "3"}})
    assert (one.status_code, one.json()) == (200, {"meta": {"c": "3"}})
    assert call(compute, member_a, "GET", server_id, "c").json() == {"meta": {"c": "3"}}
    assert metadata(compute, member_a, server_id) == {"a": "x", "b": "2", "c": "3"}
    assert compute.show(member_a, server_id)["metadata"] == {"a": "x", "b": "2", "c": "3"}
    replaced = call(compute, member_a, "PUT", server_id, body={"metadata": {"z": "26"}})
    assert replaced.json() == {"metadata": {"z": "26"}}
    assert call(compute, member_a, "DELETE", server_id, "z").status_code == 204
    assert metadata(compute, member_a, server_id) == {}
    assert call(compute, member_a, "GET", server_id, "z").status_code == 404
    assert call(compute, member_a, "DELETE", server_id, "z").status_code == 404


def test_bad_requests_are_400_and_change_nothing(compute: Compute,
                                                 member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a, metadata={"a": "1"})
    for method, key, body in (
            ("PUT", "c", {"meta": {"d": "4"}}),  # body and URI mismatch
            ("PUT", "c", {"meta": {"c": "3", "d": "4"}}),  # one item only
            ("PUT", "c", {"meta": {}}),
            ("POST", "", {"metadata": {"": "empty key"}}),
            ("POST", "", {"metadata": {"k": "v" * 256}}),
            ("POST", "", {"metadata": {"k": 1}}),
            ("POST", "", {"meta": {"k": "v"}}),
            ("PUT", "", {"metadata": {"k/": "v"}}),
            ("POST", "", None)):
        response = call(compute, member_a, method, server_id, key, body)
        assert response.status_code == 400, (method, key, body, response.text)
        assert "badRequest" in response.json()
    assert metadata(compute, member_a, server_id) == {"a": "1"}


def test_quota_locks_states_and_other_projects(compute: Compute, member_a: dict[str, str],
                                               member_b: dict[str, str]) -> None:
    server_id = compute.active(member_a, metadata={"a": "1"})
    many = {"metadata": {f"k{i}": "v" for i in range(128)}}
    over = call(compute, member_a, "POST", server_id, body=many)
    assert over.status_code == 403, over.text  # 128 more beside "a": Nova's quota error
    assert over.json()["forbidden"]["message"] == "Maximum number of metadata items exceeds 128"
    assert call(compute, member_a, "PUT", server_id, body=many).status_code == 200
    assert len(metadata(compute, member_a, server_id)) == 128

    assert call(compute, member_b, "GET", server_id).status_code == 404
    assert call(compute, member_b, "POST", server_id, body={"metadata": {"x": "y"}}
                ).status_code == 404
    assert compute.action(member_a, server_id, {"os-stop": None}).status_code == 202
    busy = call(compute, member_a, "POST", server_id, body={"metadata": {"x": "y"}})
    assert busy.status_code == 409 and "task_state powering-off" in busy.text
    compute.succeeded(server_id, "stop")
    assert call(compute, member_a, "DELETE", server_id, "k0").status_code == 204  # SHUTOFF: fine
    assert "x" not in metadata(compute, member_a, server_id)


def test_concurrent_merges_keep_every_item(compute: Compute, member_a: dict[str, str]) -> None:
    """Each POST merges into the aggregate's metadata, not into a copy read before: none is
    lost, whatever the interleaving."""
    server_id = compute.active(member_a)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: call(compute, member_a, "POST", server_id,
                                               body={"metadata": {f"k{i}": str(i)}}), range(16)))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    assert metadata(compute, member_a, server_id) == {f"k{i}": str(i) for i in range(16)}
