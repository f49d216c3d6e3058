"""`skyledger audit` and AuditViews: the events of one API request are found by its request id,
carry the caller's user and project, and no secret ever reaches the trail."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ops.bootstrap import Cloud
from ops.cli import main
from projections.audit import AuditViews
from tests.support.read_models import admin_context


@pytest.fixture(autouse=True)
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKYLEDGER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SKYLEDGER_DATABASE_URL", database_url)


def audit_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    assert main(["audit", "--json", *args]) == 0
    events: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return events


def create_user(client: TestClient, admin: dict[str, str], name: str) -> tuple[str, str]:
    """Returns the new user's id and the request id the API answered with."""
    body = {"user": {"name": name, "password": f"plain-{name}-pw", "email": f"{name}@example.org"}}
    response = client.post("/identity/v3/users", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()["user"]["id"], response.headers["X-Openstack-Request-Id"]


def test_request_id_finds_the_events_of_that_request(
    cloud: Cloud, client: TestClient, admin: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    user_id, request_id = create_user(client, admin, "audited")
    create_user(client, admin, "someone-else")  # another request, not to be listed
    events = audit_json(capsys, "--request-id", request_id)
    caller = admin_context(cloud)
    assert ("User", "Created", user_id) in {(e["aggregate_type"], e["event"], e["aggregate_id"])
                                            for e in events}
    for e in events:
        assert (e["user_id"], e["project_id"], e["request_id"]) == (
            caller.user_id, caller.project_id, request_id)
    created = next(e for e in events if e["event"] == "Created" and e["aggregate_type"] == "User")
    assert (created["data"]["name"], created["data"]["email"]) == ("audited", "audited@example.org")

    assert main(["audit", "--request-id", request_id]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["POSITION", "TIME", "AGGREGATE", "TYPE", "EVENT", "AGGREGATE",
                                "ID", "USER", "PROJECT", "REQUEST", "ID"]
    assert len(lines) == 2 + len(events)
    assert all(request_id in line and caller.user_id in line for line in lines[2:])


def test_no_secret_reaches_the_trail(
    cloud: Cloud, client: TestClient, admin: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    user_id, _ = create_user(client, admin, "secretive")
    changed = client.patch(f"/identity/v3/users/{user_id}",
                           json={"user": {"password": "plain-changed-pw"}}, headers=admin)
    assert changed.status_code == 200, changed.text
    keypair = client.post("/compute/v2.1/os-keypairs", json={"keypair": {"name": "generated"}},
                          headers=admin)
    assert keypair.status_code in (200, 201), keypair.text
    private_key = keypair.json()["keypair"]["private_key"]
    admin_id = admin_context(cloud).user_id
    hashes = [cloud.identity.user(u).password_hash for u in (user_id, admin_id or "")]
    assert all(hashes)

    everything = json.dumps(audit_json(capsys, "--limit", "0"))
    stored = json.dumps(cloud.store.query("SELECT * FROM audit_events"))
    events = {(e["aggregate_type"], e["event"]) for e in json.loads(everything)}
    assert {("User", "Created"), ("User", "PasswordChanged"), ("Keypair", "Imported")} <= events
    for text in (everything, stored):
        for secret in (*hashes, "plain-secretive-pw", "plain-changed-pw", "admin-secret",
                       private_key.splitlines()[1], "password_hash", "private_key"):
            assert secret not in text


def test_filters_combine(cloud: Cloud, client: TestClient, admin: dict[str, str],
                         capsys: pytest.CaptureFixture[str]) -> None:
    first_id, first_request = create_user(client, admin, "first")
    between = datetime.now(UTC)
    second_id, second_request = create_user(client, admin, "second")
    views = AuditViews(cloud.store)
    dashed = str(uuid.UUID(first_id))
    assert {e["aggregate_id"] for e in views.events(aggregate_id=dashed)} == {first_id}
    assert {e["request_id"] for e in views.events(since=between)} == {second_request}
    assert second_request not in {e["request_id"] for e in views.events(until=between)}
    assert first_request in {e["request_id"] for e in views.events(until=between)}
    caller = admin_context(cloud)
    mine = views.events(user_id=caller.user_id, project_id=caller.project_id)
    assert {e["request_id"] for e in mine} >= {first_request, second_request}
    assert all(e["user_id"] == caller.user_id for e in mine)
    system = views.events(user_id="skyledger-system")
    assert system and all(e["request_id"] == "req-system" for e in system)

    newest = views.events(limit=2)
    every = views.events()
    assert [e["position"] for e in newest] == [e["position"] for e in every[-2:]]

    since = between.isoformat().replace("+00:00", "Z")
    listed = audit_json(capsys, "--since", since, "--aggregate", second_id, "--limit", "1")
    assert [(e["aggregate_id"], e["event"]) for e in listed] == [(second_id, "Created")]
    with pytest.raises(SystemExit) as bad:
        main(["audit", "--since", "yesterday"])
    assert bad.value.code == 2
    assert "not an ISO-8601 time" in capsys.readouterr().err
