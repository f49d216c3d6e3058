"""Events stored before role ids stopped following names named roles: `Role.Created` v1 has
no `domain_id`, `User.RoleGranted` v1 holds a role name. Upcast, the role is global and the
grant holds the role's id (`role_id(name)`, the id such a role was made with), through the
aggregate, the read model and a token; the legacy role holds its name until renamed."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import StoredEvent
from fastapi.testclient import TestClient

from domain.context import SYSTEM
from domain.identity.role import Role, role_id
from domain.identity.user import User
from ops.bootstrap import Cloud
from tests.integration.test_event_upcasting import encoded, stored_state
from tests.support.identity import password_token

V3 = "/identity/v3"


def store_v1(cloud: Cloud, event: Any, originator: Any, drop: tuple[str, ...],
             **old: Any) -> None:
    stored = cloud.app.mapper.to_stored_event(event)
    state = stored_state(cloud, stored)
    assert state.pop("class_version") == 2
    for key in drop:
        state.pop(key)
    state.update(old)
    cloud.app.recorder.insert_events([StoredEvent(
        originator_id=originator, originator_version=stored.originator_version,
        topic=stored.topic, state=encoded(cloud, state))])


def test_v1_role_and_grant_events_upcast_to_ids(cloud: Cloud, client: TestClient,
                                                admin: dict[str, str],
                                                member_a: dict[str, str]) -> None:
    legacy = role_id("legacy")
    (created,) = Role("legacy", "old").collect_events()
    store_v1(cloud, created, legacy, ("domain_id",), originator_id=legacy)
    user = cloud.app.repository.get(cloud.identity.user(member_a["user_id"]).id)
    user.grant(member_a["project_id"], "placeholder")
    (granted,) = user.collect_events()
    store_v1(cloud, granted, user.id, (), role="legacy")
    loaded = cloud.identity.user(member_a["user_id"])
    assert isinstance(loaded, User) and legacy.hex in loaded.roles_on(member_a["project_id"])
    assert cloud.identity.role(legacy.hex).domain_id is None
    cloud.sync_read_models()
    held = client.get(f"{V3}/projects/{member_a['project_id']}/users/{member_a['user_id']}"
                      "/roles", headers=admin).json()["roles"]
    assert {(r["id"], r["name"]) for r in held} >= {(legacy.hex, "legacy")}
    token = password_token(client, "alice", member_a["password"], "project-a")
    shown = client.get(f"{V3}/auth/tokens",
                       headers={"X-Auth-Token": token, "X-Subject-Token": token}).json()
    assert {"id": legacy.hex, "name": "legacy"} in shown["token"]["roles"]
    # The legacy role holds its name by its id until it is renamed.
    assert client.post(f"{V3}/roles", json={"role": {"name": "legacy"}},
                       headers=admin).status_code == 409
    cloud.identity.update_role(SYSTEM, legacy.hex, {"name": "older"})
    assert client.post(f"{V3}/roles", json={"role": {"name": "legacy"}},
                       headers=admin).status_code == 201
