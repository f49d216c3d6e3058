"""Bad Image v2 input: 400 (or Glance's 403 for read-only attributes, 409 for missing
properties, 415 for wrong media types) in the OpenStack error shape, and nothing changes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.images_api import IMAGES, PATCH, auth, create, patch, show

BAD_CREATE: list[dict[str, Any]] = [
    {"name": "x" * 256},
    {"name": 5},
    {"disk_format": "floppy"},
    {"container_format": "crate"},
    {"visibility": "everyone"},
    {"min_disk": -1},
    {"min_ram": "lots"},
    {"min_ram": 2**31},
    {"min_disk": True},
    {"min_disk": 1.5},
    {"protected": "yes"},
    {"tags": "not-a-list"},
    {"tags": [1, 2]},
    {"tags": ["x" * 256]},
    {"tags": [f"t{i}" for i in range(129)]},
    {"id": "not-a-uuid"},
    {"kernel_id": 42},
    {"hw_props": {"nested": "dict"}},
    {"x" * 256: "long key"},
    {"": "empty key"},
    {f"p{i}": "v" for i in range(129)},
]
READ_ONLY_CREATE: list[dict[str, Any]] = [
    {"status": "active"}, {"size": 10}, {"checksum": "x"}, {"self": "/x"}, {"deleted": True},
    {"os_glance_import": "x"}]


def listing(client: TestClient, who: dict[str, str]) -> Any:
    return client.get(f"{IMAGES}?sort=name:asc", headers=auth(who)).json()["images"]


def test_bad_create_bodies(client: TestClient, member_a: dict[str, str]) -> None:
    before = listing(client, member_a)
    for body in BAD_CREATE:
        response = client.post(IMAGES, json={"name": "ok", **body}, headers=auth(member_a))
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"]["code"] == 400
    for read_only in READ_ONLY_CREATE:
        response = client.post(IMAGES, json=read_only, headers=auth(member_a))
        assert response.status_code == 403, (read_only, response.text)
    for raw, content_type in (("{not json", "application/json"), ("[1, 2]", "application/json"),
                              ('"name"', "application/json")):
        response = client.post(IMAGES, content=raw, headers={**auth(member_a),
                                                             "Content-Type": content_type})
        assert response.status_code == 400, raw
    xml = client.post(IMAGES, content="<image/>", headers={**auth(member_a),
                                                          "Content-Type": "application/xml"})
    assert xml.status_code == 415
    assert listing(client, member_a) == before


def test_bad_patches_change_nothing(client: TestClient, member_a: dict[str, str]) -> None:
    image = create(client, member_a, name="stable", kernel_id="k")
    before = show(client, member_a, image["id"]).json()
    cases: list[tuple[Any, int]] = [
        ({"op": "replace", "path": "/name", "value": "x"}, 400),  # not a list
        ([{"op": "move", "path": "/name", "value": "x"}], 400),
        ([{"op": "replace", "path": "name", "value": "x"}], 400),
        ([{"op": "replace", "path": "/tags/0", "value": "x"}], 400),
        ([{"op": "replace", "path": "/name"}], 400),
        ([{"path": "/name", "value": "x"}], 400),
        (["replace"], 400),
        ([{"op": "replace", "path": "/min_ram", "value": -5}], 400),
        ([{"op": "replace", "path": "/visibility", "value": "world"}], 400),
        ([{"op": "replace", "path": "/protected", "value": "true"}], 400),
        ([{"op": "add", "path": "/kernel_id", "value": 7}], 400),
        # a valid first op must not be applied when a later one is refused
        ([{"op": "replace", "path": "/name", "value": "half"},
          {"op": "replace", "path": "/status", "value": "active"}], 403),
        ([{"op": "replace", "path": "/owner", "value": "someone"}], 403),
        ([{"op": "remove", "path": "/name"}], 403),
        ([{"op": "replace", "path": "/ramdisk_id", "value": "r"}], 409),
        ([{"op": "remove", "path": "/nothing_here"}], 409),
    ]
    for ops, status in cases:
        response = patch(client, member_a, image["id"], ops)
        assert response.status_code == status, (ops, response.text)
        assert response.json()["error"]["code"] == status
    plain_json = client.patch(f"{IMAGES}/{image['id']}", json=[],
                              headers={**auth(member_a), "Content-Type": "application/json"})
    assert plain_json.status_code == 415
    malformed = client.patch(f"{IMAGES}/{image['id']}", content="[{",
                             headers={**auth(member_a), **PATCH})
    assert malformed.status_code == 400
    assert show(client, member_a, image["id"]).json() == before


def test_formats_are_fixed_once_active(client: TestClient, member_a: dict[str, str]) -> None:
    from tests.support.images_api import upload

    image = create(client, member_a, name="fixed")
    ops = [{"op": "replace", "path": "/disk_format", "value": "raw"}]
    assert patch(client, member_a, image["id"], ops).status_code == 200
    assert upload(client, member_a, image["id"], b"data").status_code == 204
    ops = [{"op": "replace", "path": "/disk_format", "value": "qcow2"}]
    assert patch(client, member_a, image["id"], ops).status_code == 403
    assert show(client, member_a, image["id"]).json()["disk_format"] == "raw"


BAD_QUERIES = ["limit=-1", "limit=ten", "marker=nope", f"marker={'0' * 32}", "sort_key=colour",
               "sort_dir=up", "sort=name:sideways", "sort=name&sort_key=name",
               "visibility=everyone", "protected=maybe", "size_min=-3", "os_hidden=perhaps",
               "sort_key=name&sort_key=id&sort_dir=asc&sort_dir=desc&sort_dir=asc"]


def test_bad_list_queries(client: TestClient, member_a: dict[str, str]) -> None:
    create(client, member_a, name="listed")
    for query in BAD_QUERIES:
        response = client.get(f"{IMAGES}?{query}", headers=auth(member_a))
        assert response.status_code == 400, (query, response.text)
        assert response.json()["error"]["code"] == 400
