"""Input limits (api/limits.py and the shared field types of api/validation.py): oversized bodies,
deep JSON, huge names, invalid UTF-8, negative and overflowing numbers, in bodies and in query
strings, all get a 4xx in the OpenStack error shape, and none of them records an event."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.limits import DEFAULT_MAX_BODY, MAX_JSON_DEPTH, json_depth
from ops.bootstrap import Cloud, build
from ops.first_start import ensure_bootstrapped
from tests.support.compute_api import SERVERS, Compute, auth
from tests.support.settings import make_settings

HUGE = 2**64
FLAVOR = {"name": "f", "ram": 512, "vcpus": 1, "disk": 1}


def flavor(**fields: Any) -> dict[str, Any]:
    return {"flavor": {**FLAVOR, **fields}}


def assert_rejected(cloud: Cloud, response: Any, status: int, case: object) -> None:
    assert response.status_code == status, (case, response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), case
    assert response.headers.get("X-Openstack-Request-Id"), case  # errors are traced too
    body = response.json()
    assert isinstance(body, dict) and len(body) == 1, (case, body)


@pytest.fixture
def unchanged(cloud: Cloud) -> Iterator[None]:
    """Every request of the test must leave the event store where it was."""
    head = cloud.app.head()
    yield
    assert cloud.app.head() == head, "a rejected request recorded an event"


def deep(depth: int) -> str:
    return '{"server": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


def test_json_depth_counts_nesting_outside_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[{{{"}]}') == 3
    assert json_depth(b'"\\"[["') == 0
    assert json_depth(deep(40).encode()) == 40


def test_oversized_bodies_are_413(compute: Compute, member_a: dict[str, str],
                                  unchanged: None) -> None:
    client, headers = compute.client, auth(member_a)
    padding = "x" * DEFAULT_MAX_BODY
    big = json.dumps({"server": {"name": "vm", "metadata": {"pad": padding}}})
    declared = client.post(SERVERS, content=big, headers={**headers,
                                                           "Content-Type": "application/json"})
    assert_rejected(compute.cloud, declared, 413, "declared length")
    assert "overLimit" in declared.json()

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for start in range(0, len(big), 8192):
            yield big[start:start + 8192].encode()

    chunked = client.post(SERVERS, content=chunks(), headers={
        **headers, "Content-Type": "application/json"})
    assert_rejected(compute.cloud, chunked, 413, "chunked")
    lying = client.post(SERVERS, content=b"{}", headers={**headers, "Content-Length": "abc"})
    assert lying.status_code in (400, 413), lying.text


def test_a_body_at_the_limit_is_read(compute: Compute, member_a: dict[str, str]) -> None:
    body = json.dumps({"keypair": {"name": "k", "public_key": "x"}})
    body += " " * (DEFAULT_MAX_BODY - len(body))  # exactly the limit: accepted, then validated
    response = compute.client.post("/compute/v2.1/os-keypairs", content=body, headers={
        **auth(member_a), "Content-Type": "application/json"})
    assert response.status_code == 400, response.text  # "x" is no public key; not 413
    assert "public" in response.text.lower() or "key" in response.text.lower()


def test_deep_json_is_400(compute: Compute, member_a: dict[str, str], admin: dict[str, str],
                          unchanged: None) -> None:
    cases = [(SERVERS, auth(member_a)), ("/network/v2.0/networks", auth(member_a)),
             ("/identity/v3/projects", admin), ("/identity/v3/auth/tokens", {})]
    for path, headers in cases:
        for depth in (MAX_JSON_DEPTH + 1, 5000):
            response = compute.client.post(path, content=deep(depth), headers={
                **headers, "Content-Type": "application/json"})
            assert_rejected(compute.cloud, response, 400, (path, depth))
            # refused before any parser ran (Python's would hit its recursion limit)
            assert "nested deeper than 32" in response.text, response.text


def test_invalid_utf8_is_400(compute: Compute, member_a: dict[str, str], admin: dict[str, str],
                             unchanged: None) -> None:
    bad = b'{"server": {"name": "\xff\xfe", "flavorRef": "1"}}'
    for path, headers in ((SERVERS, auth(member_a)), ("/identity/v3/projects", admin),
                          ("/network/v2.0/networks", auth(member_a))):
        response = compute.client.post(path, content=bad, headers={
            **headers, "Content-Type": "application/json"})
        assert_rejected(compute.cloud, response, 400, path)
        assert "not valid UTF-8" in response.text, response.text
    for url in (f"{SERVERS}?name=%FF%FE", f"{SERVERS}/%FF", f"{SERVERS}?name=%00"):
        assert_rejected(compute.cloud, compute.client.get(url, headers=auth(member_a)), 400, url)


def test_huge_names_are_400(compute: Compute, member_a: dict[str, str], admin: dict[str, str],
                            unchanged: None) -> None:
    name = "n" * 256
    project = member_a["project_id"]
    cases: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
        ("POST", SERVERS, {"server": {"name": name, "flavorRef": "1",
                                      "imageRef": compute.image}}, auth(member_a)),
        ("POST", "/compute/v2.1/flavors", flavor(name=name), admin),
        ("POST", "/compute/v2.1/os-keypairs", {"keypair": {"name": name}}, auth(member_a)),
        ("POST", "/compute/v2.1/os-server-groups",
         {"server_group": {"name": name, "policies": ["affinity"]}}, auth(member_a)),
        ("POST", "/network/v2.0/networks", {"network": {"name": name}}, auth(member_a)),
        ("POST", f"/volume/v3/{project}/volumes", {"volume": {"size": 1, "name": name}},
         auth(member_a)),
        ("POST", "/identity/v3/projects", {"project": {"name": name}}, admin),
        ("POST", "/identity/v3/users", {"user": {"name": name, "password": "p"}}, admin),
        ("POST", "/image/v2/images", {"name": name}, auth(member_a)),
    ]
    for method, path, body, headers in cases:
        response = compute.client.request(method, path, json=body, headers=headers)
        assert_rejected(compute.cloud, response, 400, path)


def numbers_in_bodies(project: str, image: str) -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, path, body, who) with one integer field out of range."""
    cases: list[tuple[str, str, dict[str, Any], str]] = []
    for bad in (-1, HUGE, -HUGE):
        cases += [("POST", "/compute/v2.1/flavors", flavor(**{field: bad}), "admin")
                  for field in ("ram", "vcpus", "disk", "swap", "OS-FLV-EXT-DATA:ephemeral")]
        cases += [("POST", SERVERS, {"server": {"name": "vm", "flavorRef": "1",
                                                "imageRef": image, field: bad}}, "member")
                  for field in ("min_count", "max_count")]
        cases += [("POST", f"/volume/v3/{project}/volumes", {"volume": {"size": bad}}, "member")]
    for bad in (-2, HUGE, -HUGE):  # -1 means unlimited for a quota
        cases += [
            ("PUT", f"/compute/v2.1/os-quota-sets/{project}",
             {"quota_set": {"instances": bad}}, "admin"),
            ("PUT", f"/compute/v2.1/os-quota-sets/{project}", {"quota_set": {"ram": bad}}, "admin"),
            ("PUT", f"/volume/v3/{project}/os-quota-sets/{project}",
             {"quota_set": {"gigabytes": bad}}, "admin"),
            ("PUT", f"/network/v2.0/quotas/{project}", {"quota": {"network": bad}}, "admin"),
        ]
    return cases


def test_negative_and_overflowing_numbers_in_bodies_are_400(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str],
        unchanged: None) -> None:
    who = {"admin": admin, "member": auth(member_a)}
    for method, path, body, caller in numbers_in_bodies(member_a["project_id"], compute.image):
        response = compute.client.request(method, path, json=body, headers=who[caller])
        assert_rejected(compute.cloud, response, 400, (path, body))


QUERY_PATHS = [
    SERVERS, f"{SERVERS}/detail", "/compute/v2.1/flavors", "/compute/v2.1/flavors/detail",
    "/compute/v2.1/os-keypairs", "/compute/v2.1/os-server-groups", "/image/v2/images",
    "/compute/v2.1/os-hypervisors", "/network/v2.0/networks", "/network/v2.0/ports",
    "/identity/v3/projects",
]


def test_negative_and_overflowing_numbers_in_queries_are_400(
        compute: Compute, member_a: dict[str, str], admin: dict[str, str],
        unchanged: None) -> None:
    project = member_a["project_id"]
    paths = [*QUERY_PATHS, f"/volume/v3/{project}/volumes",
             f"/volume/v3/{project}/volumes/detail"]
    for path in paths:
        for query in (f"limit={HUGE}", "limit=-1", f"offset={HUGE}", "offset=-5",
                      f"minRam={HUGE}", f"minDisk={-HUGE}"):
            response = compute.client.get(f"{path}?{query}", headers=admin)
            # A parameter the route does not take is ignored (as OpenStack does): 200 then.
            assert response.status_code in (200, 400), (path, query, response.text)
            if response.status_code == 400:
                assert_rejected(compute.cloud, response, 400, (path, query))
    # Found by the fuzzer and by hand: these reached SQL as they were (an OverflowError, 500).
    strict = [("/compute/v2.1/flavors", f"minRam={HUGE}"), ("/compute/v2.1/flavors/detail",
               f"minDisk={HUGE}"), ("/image/v2/images", f"size_min={HUGE}"),
              ("/image/v2/images", f"size_max={HUGE}"), ("/network/v2.0/networks", "limit=-1")]
    for path in ("/compute/v2.1/flavors", SERVERS, "/compute/v2.1/os-server-groups",
                 f"/volume/v3/{project}/volumes", "/image/v2/images", "/network/v2.0/ports"):
        strict += [(path, f"limit={HUGE}"), (path, "limit=-1"), (path, "limit=x")]
    for path, query in strict:
        response = compute.client.get(f"{path}?{query}", headers=admin)
        assert_rejected(compute.cloud, response, 400, (path, query))


def test_image_uploads_stay_exempt(client: TestClient, member_a: dict[str, str]) -> None:
    headers = auth(member_a)
    image = client.post("/image/v2/images", json={"name": "big", "disk_format": "raw",
                                                  "container_format": "bare"}, headers=headers)
    assert image.status_code == 201, image.text
    data = b"\xff" * (DEFAULT_MAX_BODY * 2)  # large and not UTF-8: it is a disk, not JSON
    uploaded = client.put(f"/image/v2/images/{image.json()['id']}/file", content=data,
                          headers={**headers, "Content-Type": "application/octet-stream"})
    assert uploaded.status_code == 204, uploaded.text


def test_the_body_limit_is_configurable(database_url: str, tmp_path: Path) -> None:
    from adapters.settings import Settings

    assert Settings.from_env({"SKYLEDGER_MAX_REQUEST_BODY": "1000"}).max_request_body == 1000
    cloud = build(make_settings(tmp_path / "data", database_url, max_request_body=1000),
                  follow=False)
    try:
        ensure_bootstrapped(cloud)
        with TestClient(create_app(cloud)) as client:
            auth_body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"id": "default"}, "password": "admin-secret"}}}}}
            assert client.post("/identity/v3/auth/tokens", json=auth_body).status_code == 201
            padded = {**auth_body, "pad": "x" * 1000}
            response = client.post("/identity/v3/auth/tokens", json=padded)
            assert response.status_code == 413 and response.json()["error"]["code"] == 413
    finally:
        cloud.close()
