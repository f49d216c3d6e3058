"""Whose keypairs a caller sees and manages (Nova: `admin_api or user_id:%(user_id)s`), paging."""

from __future__ import annotations

from fastapi.testclient import TestClient

from domain.context import SYSTEM
from ops.bootstrap import Cloud
from tests.support.identity import make_member, password_token
from tests.support.keypairs_api import NOVA_KEY, URL, create, headers


def names(client: TestClient, who: object, version: str | None = None, **params: str) -> list[str]:
    response = client.get(URL, params=params, headers=headers(who, version))  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return [k["keypair"]["name"] for k in response.json()["keypairs"]]


def test_users_only_see_their_own(client: TestClient, member_a: dict[str, str],
                                  member_b: dict[str, str]) -> None:
    made = create(client, member_a["token"], name="alice-key", public_key=NOVA_KEY)
    assert made.status_code == 200
    assert names(client, member_b["token"]) == []
    assert client.get(f"{URL}/alice-key", headers=headers(member_b["token"])).status_code == 404
    assert client.delete(f"{URL}/alice-key", headers=headers(member_b["token"])).status_code == 404
    # Asking for another user's keypairs by user_id (2.10+) is the policy's call: refused.
    other = {"user_id": member_a["user_id"]}
    denied = client.get(URL, params=other, headers=headers(member_b["token"], "2.10"))
    assert denied.status_code == 403
    refused = create(client, member_b["token"], "2.10", name="x", public_key=NOVA_KEY,
                     user_id=member_a["user_id"])
    assert refused.status_code == 403
    # Before 2.10 the parameter means nothing: bob just sees his own.
    assert names(client, member_b["token"], user_id=member_a["user_id"]) == []
    assert names(client, member_a["token"]) == ["alice-key"]


def test_admin_manages_other_users_keypairs_from_2_10(
    client: TestClient, admin: dict[str, str], member_a: dict[str, str]
) -> None:
    alice = member_a["user_id"]
    made = create(client, admin, "2.10", name="given", public_key=NOVA_KEY, user_id=alice)
    assert made.status_code == 201 and made.json()["keypair"]["user_id"] == alice
    assert names(client, member_a["token"]) == ["given"]
    assert names(client, admin, "2.10", user_id=alice) == ["given"]
    assert names(client, admin, "2.10") == []
    shown = client.get(f"{URL}/given", params={"user_id": alice}, headers=headers(admin, "2.10"))
    assert shown.status_code == 200 and shown.json()["keypair"]["user_id"] == alice
    gone = client.delete(f"{URL}/given", params={"user_id": alice}, headers=headers(admin, "2.10"))
    assert gone.status_code == 204
    assert names(client, member_a["token"]) == []


def test_a_reader_manages_their_own_keypairs(client: TestClient, cloud: Cloud) -> None:
    reader = make_member(cloud, "project-r", "rita", role="reader")
    token = password_token(client, "rita", reader["password"], "project-r")
    assert create(client, token, name="mine", public_key=NOVA_KEY).status_code == 200
    assert names(client, token) == ["mine"]


def test_pagination_from_2_35(client: TestClient, member_a: dict[str, str]) -> None:
    token = member_a["token"]
    for name in ("k3", "k1", "k2"):  # creation order, not name order, as Nova pages by id
        assert create(client, token, name=name, public_key=NOVA_KEY).status_code == 200
    first = client.get(URL, params={"limit": "2"}, headers=headers(token, "2.35")).json()
    assert [k["keypair"]["name"] for k in first["keypairs"]] == ["k3", "k1"]
    next_link = first["keypairs_links"][0]
    assert next_link["rel"] == "next" and "marker=k1" in next_link["href"]
    assert "limit=2" in next_link["href"]
    assert names(client, token, "2.35", limit="2", marker="k1") == ["k2"]
    rest = client.get(URL, params={"marker": "k1"}, headers=headers(token, "2.35")).json()
    assert "keypairs_links" not in rest
    # Below 2.35 limit and marker are ignored.
    assert names(client, token, "2.34", limit="1") == ["k3", "k1", "k2"]
    bad = client.get(URL, params={"marker": "nope"}, headers=headers(token, "2.35"))
    assert bad.status_code == 400 and "badRequest" in bad.json()
    negative = client.get(URL, params={"limit": "-1"}, headers=headers(token, "2.35"))
    assert negative.status_code == 400


def test_no_token_is_401_and_an_unscoped_one_cannot_create(
    client: TestClient, cloud: Cloud
) -> None:
    assert client.get(URL).status_code == 401
    cloud.identity.create_user(SYSTEM, "nomad", "pw-nomad")  # no project: an unscoped token
    unscoped = password_token(client, "nomad", "pw-nomad", None)
    assert create(client, unscoped, name="k", public_key=NOVA_KEY).status_code == 403
