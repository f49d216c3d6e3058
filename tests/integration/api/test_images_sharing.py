"""Sharing images between projects (Glance's members API): the owner offers, the member answers,
image lists follow the answer; visibility private/shared/community/public; schemas."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from tests.support.images_api import IMAGES, auth, create, names, patch, show, upload


def members_url(image: dict[str, Any], member: str = "") -> str:
    return f"{IMAGES}/{image['id']}/members" + (f"/{member}" if member else "")


def offer(client: TestClient, who: dict[str, str], image: dict[str, Any],
          member: str) -> httpx.Response:
    return client.post(members_url(image), json={"member": member}, headers=auth(who))


def answer(client: TestClient, who: dict[str, str], image: dict[str, Any], member: str,
           status: str) -> httpx.Response:
    return client.put(members_url(image, member), json={"status": status}, headers=auth(who))


def test_share_accept_and_the_image_joins_the_members_list(
    client: TestClient, member_a: dict[str, str], member_b: dict[str, str]
) -> None:
    image = create(client, member_a, name="offered")  # Glance's default visibility: shared
    assert image["visibility"] == "shared"
    b = member_b["project_id"]
    offered = offer(client, member_a, image, b)
    assert offered.status_code == 200, offered.text
    body = offered.json()
    assert (body["image_id"], body["member_id"], body["status"]) == (image["id"], b, "pending")
    assert body["schema"] == "/v2/schemas/member" and body["created_at"].endswith("Z")
    assert names(client, member_b) == []  # pending: not in the default list ...
    assert names(client, member_b, "?visibility=shared&member_status=pending") == ["offered"]
    assert show(client, member_b, image["id"]).status_code == 200  # ... but it can be seen
    accepted = answer(client, member_b, image, b, "accepted")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert names(client, member_b) == ["offered"]
    assert names(client, member_b, "?visibility=shared") == ["offered"]
    assert names(client, member_b, "?visibility=shared&member_status=rejected") == []
    listed = client.get(members_url(image), headers=auth(member_a)).json()
    assert [m["member_id"] for m in listed["members"]] == [b]
    assert listed["schema"] == "/v2/schemas/members"
    mine = client.get(members_url(image, b), headers=auth(member_b))
    assert mine.status_code == 200 and mine.json()["status"] == "accepted"
    assert answer(client, member_b, image, b, "rejected").json()["status"] == "rejected"
    assert names(client, member_b) == []


def test_only_the_owner_shares_and_only_the_member_answers(
    client: TestClient, member_a: dict[str, str], member_b: dict[str, str]
) -> None:
    image = create(client, member_a, name="offered")
    a, b = member_a["project_id"], member_b["project_id"]
    assert offer(client, member_a, image, b).status_code == 200
    assert offer(client, member_a, image, b).status_code == 409
    assert offer(client, member_b, image, a).status_code == 403  # visible to b, not b's
    owner_answers = answer(client, member_a, image, b, "accepted")
    assert owner_answers.status_code == 403, owner_answers.text
    assert answer(client, member_b, image, b, "notavalidstatus").status_code == 400
    assert client.delete(members_url(image, b), headers=auth(member_b)).status_code == 403
    assert client.get(members_url(image, b), headers=auth(member_a)).json()["status"] == "pending"
    assert client.get(members_url(image, "nobody"), headers=auth(member_a)).status_code == 404
    assert client.delete(members_url(image, b), headers=auth(member_a)).status_code == 204
    assert show(client, member_b, image["id"]).status_code == 404
    assert client.get(members_url(image), headers=auth(member_a)).json()["members"] == []


def test_private_images_have_no_members_and_others_cannot_find_them(
    client: TestClient, member_a: dict[str, str], member_b: dict[str, str]
) -> None:
    image = create(client, member_a, name="mine", visibility="private")
    refused = offer(client, member_a, image, member_b["project_id"])
    assert refused.status_code == 403 and "only shared images" in refused.json()["error"][
        "message"]
    assert client.get(members_url(image), headers=auth(member_b)).status_code == 404
    assert offer(client, member_b, image, member_b["project_id"]).status_code == 404


def test_visibilities_as_other_projects_list_them(
    client: TestClient, admin: dict[str, str], member_a: dict[str, str],
    member_b: dict[str, str]
) -> None:
    for visibility in ("private", "shared", "community"):
        created = create(client, member_a, name=visibility, visibility=visibility)
        assert upload(client, member_a, created["id"], b"bytes").status_code == 204
    public = create(client, admin, name="public", visibility="public")
    assert names(client, member_b) == ["public"]
    assert sorted(names(client, member_b, "?visibility=all")) == ["community", "public"]
    assert names(client, member_b, "?visibility=community") == ["community"]
    assert sorted(names(client, member_a)) == ["community", "private", "public", "shared"]
    assert names(client, member_a, "?visibility=shared") == ["shared"]
    assert client.get(f"{IMAGES}?member_status=maybe", headers=auth(member_b)).status_code == 400
    assert show(client, member_b, public["id"]).status_code == 200


def test_member_schemas(client: TestClient, member_a: dict[str, str]) -> None:
    member = client.get("/image/v2/schemas/member", headers=auth(member_a)).json()
    assert member["name"] == "member"
    assert member["properties"]["status"]["enum"] == ["pending", "accepted", "rejected"]
    members = client.get("/image/v2/schemas/members", headers=auth(member_a)).json()
    assert members["name"] == "members"
    assert members["properties"]["members"]["items"]["name"] == "member"


def test_members_survive_a_read_model_rebuild(
    client: TestClient, cloud: Cloud, member_a: dict[str, str], member_b: dict[str, str]
) -> None:
    image = create(client, member_a, name="offered")
    b = member_b["project_id"]
    offer(client, member_a, image, b)
    answer(client, member_b, image, b, "accepted")
    patch(client, member_a, image["id"], [{"op": "replace", "path": "/os_hidden",
                                          "value": True}])
    before = cloud.store.query("SELECT * FROM image_members ORDER BY member_id")
    runner = cloud.runners["images"]
    runner.reset()
    assert cloud.store.query("SELECT * FROM image_members") == []
    runner.catch_up()
    assert cloud.store.query("SELECT * FROM image_members ORDER BY member_id") == before
    assert names(client, member_b, "?os_hidden=true") == ["offered"]
