"""Who sees and changes which image: project isolation, admin-only public, reader limits."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from tests.support.identity import make_member, password_token
from tests.support.images_api import IMAGES, auth, create, names, patch, show, upload


def test_private_images_are_invisible_to_other_projects(
    client: TestClient, member_a: dict[str, str], member_b: dict[str, str]
) -> None:
    image = create(client, member_a, name="a-secret")
    assert upload(client, member_a, image["id"], b"secret bytes").status_code == 204
    assert names(client, member_b) == [] and names(client, member_b, "?visibility=private") == []
    assert names(client, member_b, "?visibility=all") == []
    assert names(client, member_b, f"?owner={member_a['project_id']}") == []
    url = f"{IMAGES}/{image['id']}"
    attempts = [
        client.get(url, headers=auth(member_b)),
        client.get(f"{url}/file", headers=auth(member_b)),
        patch(client, member_b, image["id"], [{"op": "replace", "path": "/name", "value": "x"}]),
        client.delete(url, headers=auth(member_b)),
        client.put(f"{url}/tags/t", headers=auth(member_b)),
    ]
    for response in attempts:
        assert response.status_code == 404, response.text
        assert image["id"] in response.json()["error"]["message"]
    assert show(client, member_a, image["id"]).json()["name"] == "a-secret"


def test_only_admin_publishes_and_everyone_sees_public(
    client: TestClient, admin: dict[str, str], member_a: dict[str, str],
    member_b: dict[str, str]
) -> None:
    refused = client.post(IMAGES, json={"name": "mine", "visibility": "public"},
                          headers=auth(member_a))
    assert refused.status_code == 403
    assert "publicize_image" in refused.json()["error"]["message"]
    own = create(client, member_a, name="own")
    to_public = [{"op": "replace", "path": "/visibility", "value": "public"}]
    assert patch(client, member_a, own["id"], to_public).status_code == 403
    assert show(client, member_a, own["id"]).json()["visibility"] == "shared"
    public = create(client, admin, name="cirros", visibility="public")
    assert upload(client, admin, public["id"], b"cirros").status_code == 204
    assert patch(client, admin, own["id"], to_public).status_code == 200
    for member in (member_a, member_b):
        assert sorted(names(client, member)) == ["cirros", "own"]
        assert names(client, member, "?visibility=public&sort=name:asc") == ["cirros", "own"]
        down = client.get(f"{IMAGES}/{public['id']}/file", headers=auth(member))
        assert down.status_code == 200 and down.content == b"cirros"
    # Visible is not writable: another project's public image is 403, not 404.
    rename = [{"op": "replace", "path": "/name", "value": "mine now"}]
    assert patch(client, member_b, public["id"], rename).status_code == 403
    assert client.delete(f"{IMAGES}/{public['id']}", headers=auth(member_b)).status_code == 403


def test_member_cannot_create_for_another_project(
    client: TestClient, member_a: dict[str, str], member_b: dict[str, str]
) -> None:
    response = client.post(IMAGES, json={"name": "x", "owner": member_b["project_id"]},
                           headers=auth(member_a))
    assert response.status_code == 403
    assert names(client, member_b) == []


def test_admin_sees_everything_and_may_act_for_owner(
    client: TestClient, admin: dict[str, str], member_a: dict[str, str]
) -> None:
    image = create(client, member_a, name="a-only")
    assert "a-only" in names(client, admin)
    assert upload(client, admin, image["id"], b"by admin").status_code == 204
    assert client.delete(f"{IMAGES}/{image['id']}", headers=admin).status_code == 204


def test_reader_reads_but_cannot_write(
    client: TestClient, admin: dict[str, str], reader: dict[str, str]
) -> None:
    public = create(client, admin, name="base", visibility="public")
    assert upload(client, admin, public["id"], b"base image").status_code == 204
    assert names(client, reader) == ["base"]
    assert show(client, reader, public["id"]).status_code == 200
    assert client.get(f"{IMAGES}/{public['id']}/file", headers=auth(reader)).content == (
        b"base image")
    created = client.post(IMAGES, json={"name": "r"}, headers=auth(reader))
    assert created.status_code == 403 and "add_image" in created.json()["error"]["message"]
    assert names(client, reader) == ["base"]


def test_reader_cannot_upload_patch_or_delete_in_own_project(
    client: TestClient, admin: dict[str, str], reader: dict[str, str]
) -> None:
    # The admin creates an image owned by the reader's project.
    image = create(client, admin, name="theirs", owner=reader["project_id"])
    assert show(client, reader, image["id"]).status_code == 200
    assert upload(client, reader, image["id"], b"data").status_code == 403
    rename = [{"op": "replace", "path": "/name", "value": "renamed"}]
    assert patch(client, reader, image["id"], rename).status_code == 403
    assert client.delete(f"{IMAGES}/{image['id']}", headers=auth(reader)).status_code == 403
    shown = show(client, reader, image["id"]).json()
    assert (shown["status"], shown["name"]) == ("queued", "theirs")


def test_requests_without_a_token_are_401(client: TestClient) -> None:
    for response in (client.get(IMAGES), client.post(IMAGES, json={"name": "x"})):
        assert response.status_code == 401


@pytest.fixture
def reader(cloud: Cloud, client: TestClient) -> dict[str, str]:
    """A user with only the reader role on its project."""
    ids = make_member(cloud, "project-r", "rita", role="reader")
    ids["token"] = password_token(client, "rita", ids["password"], "project-r")
    return ids
