"""`/dashboard`: the page and its files, and the event feed the page polls, on SQLite and
PostgreSQL: a member sees the events of the token's project only, an admin every event; the
cursor hands out each event once; a missing or garbled token is a 401 in Keystone's shape."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.keypairs_api import NOVA_KEY, headers

EVENTS = "/dashboard/api/events"


def make_keypair(client: TestClient, token: str, name: str) -> None:
    response = client.post("/compute/v2.1/os-keypairs", headers=headers(token),
                           json={"keypair": {"name": name, "public_key": NOVA_KEY}})
    assert response.status_code == 200, response.text


def feed(client: TestClient, token: str, **params: int) -> dict:
    response = client.get(EVENTS, headers=headers(token), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_page_and_its_files_are_served(client: TestClient) -> None:
    page = client.get("/dashboard")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/dashboard/static/dashboard.js" in page.text and 'id="login-form"' in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    script = client.get("/dashboard/static/dashboard.js")
    assert script.status_code == 200 and "sessionStorage" in script.text
    assert script.headers["content-type"].startswith("text/javascript")
    assert client.get("/dashboard/static/dashboard.css").status_code == 200
    missing = client.get("/dashboard/static/../app.py")
    assert missing.status_code == 404
    unknown = client.get("/dashboard/static/secrets.txt")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == 404


def test_a_member_sees_only_the_events_of_the_tokens_project(
        client: TestClient, admin: dict[str, str], member_a: dict[str, str],
        member_b: dict[str, str]) -> None:
    make_keypair(client, member_a["token"], "alice-key")
    make_keypair(client, member_b["token"], "bob-key")
    mine = feed(client, member_a["token"])
    assert mine["scope"] == "project" and mine["events"]
    assert {e["project_id"] for e in mine["events"]} == {member_a["project_id"]}
    assert "alice-key" in {e["name"] for e in mine["events"]}
    assert all("data" not in e for e in mine["events"]), "event data stays out of the browser"
    everything = feed(client, admin["X-Auth-Token"])
    assert everything["scope"] == "all"
    projects = {e["project_id"] for e in everything["events"]}
    assert {member_a["project_id"], member_b["project_id"]} <= projects


def test_the_cursor_hands_out_each_new_event_once(
        client: TestClient, member_a: dict[str, str], member_b: dict[str, str]) -> None:
    token = member_a["token"]
    start = feed(client, token)
    make_keypair(client, member_b["token"], "not-mine")
    quiet = feed(client, token, after=start["position"])
    # Nothing of project A happened, yet the cursor moves up to the trail's head.
    assert quiet["events"] == [] and quiet["position"] > start["position"]
    make_keypair(client, token, "first")
    make_keypair(client, token, "second")
    new = feed(client, token, after=quiet["position"])
    # A keypair is saved with its project's quota ledger: two events, both of project A.
    assert [e["name"] for e in new["events"] if e["name"]] == ["first", "second"]
    assert {e["project_id"] for e in new["events"]} == {member_a["project_id"]}
    assert new["truncated"] is False
    assert [e["position"] for e in new["events"]] == sorted(e["position"] for e in new["events"])
    assert feed(client, token, after=new["position"])["events"] == []
    newest = feed(client, token, after=quiet["position"], limit=1)
    assert newest["events"] == new["events"][-1:] and newest["truncated"] is True


def test_bad_tokens_and_bad_input(client: TestClient, member_a: dict[str, str]) -> None:
    for sent in ({}, {"X-Auth-Token": "garbled"}, {"X-Auth-Token": member_a["token"] + "x"}):
        response = client.get(EVENTS, headers=sent)
        assert response.status_code == 401, sent
        assert response.json()["error"]["code"] == 401
        assert response.headers["WWW-Authenticate"].startswith("Keystone")
    for params in ({"after": -1}, {"after": "x"}, {"limit": 0}, {"limit": 201}):
        response = client.get(EVENTS, headers=headers(member_a["token"]), params=params)
        assert response.status_code == 400 and response.json()["error"]["code"] == 400, params
