"""Cinder's user messages (`/messages`, 3.3) and the volume summary (`/volumes/summary`, 3.12):
a volume no backend can take, or whose creation or extend the backend failed, leaves a message
for its project, which lists, shows and deletes it; other projects do not see it. On both
stores."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.api.test_volume_types import make_type
from tests.support.compute_api import auth
from tests.support.volumes_api import Volumes


def call(volumes: Volumes, who: dict[str, str], method: str, path: str,
         version: str = "3.3") -> httpx.Response:
    return volumes.client.request(method, volumes.url(who, path), headers={
        **auth(who), "OpenStack-API-Version": f"volume {version}"})


def messages(volumes: Volumes, who: dict[str, str]) -> list[dict[str, Any]]:
    response = call(volumes, who, "GET", "messages")
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


def test_a_failed_volume_leaves_a_message(volumes: Volumes, admin: dict[str, str],
                                          member_a: dict[str, str],
                                          member_b: dict[str, str]) -> None:
    bogus = make_type(volumes, admin, "bogus", extra_specs={"storage_protocol": "nvme"})
    volume_id = volumes.made(member_a, volume_type=bogus["id"])
    assert volumes.show(member_a, volume_id)["status"] == "error"
    (message,) = messages(volumes, member_a)
    assert (message["resource_uuid"], message["resource_type"], message["event_id"]) == (
        volume_id, "VOLUME", "VOLUME_VOLUME_001_003")
    assert message["user_message"] == ("schedule allocate volume: Could not find any "
                                       "available weighted backend.")
    assert message["message_level"] == "ERROR" and message["request_id"].startswith("req-")
    assert message["guaranteed_until"] > message["created_at"]
    assert messages(volumes, member_b) == []
    assert call(volumes, member_b, "GET", f"messages/{message['id']}").status_code == 404
    assert call(volumes, member_a, "GET", f"messages/{message['id']}",
                "3.2").status_code == 404  # no messages before 3.3
    shown = call(volumes, member_a, "GET", f"messages/{message['id']}").json()["message"]
    assert shown == message
    assert call(volumes, member_a, "DELETE", f"messages/{message['id']}").status_code == 204
    assert call(volumes, member_a, "GET", f"messages/{message['id']}").status_code == 404
    assert call(volumes, member_a, "DELETE", f"messages/{message['id']}").status_code == 404


def test_backend_failures_leave_messages(volumes: Volumes, member_a: dict[str, str]) -> None:
    failed = volumes.made(member_a)
    volumes.report("create_failed", failed, "the pool is full")
    volumes.report("create_failed", failed, "the pool is full")  # a replay: one message
    grown = volumes.ready(member_a)
    assert volumes.action(member_a, grown, {"os-extend": {"new_size": 2}}).status_code == 202
    volumes.report("extend_failed", grown, "no space")
    listed = {(m["resource_uuid"], m["event_id"]) for m in messages(volumes, member_a)}
    assert listed == {(failed, "VOLUME_VOLUME_008_001"), (grown, "VOLUME_VOLUME_007_010")}


def test_volume_summary(volumes: Volumes, admin: dict[str, str], member_a: dict[str, str],
                        member_b: dict[str, str]) -> None:
    volumes.made(member_a, size=2, metadata={"tier": "gold"})
    volumes.made(member_a, size=3, metadata={"tier": "silver", "x": "1"})
    volumes.made(member_b, size=5)
    assert call(volumes, member_a, "GET", "volumes/summary", "3.11").status_code == 404
    summary = call(volumes, member_a, "GET", "volumes/summary", "3.12").json()
    assert summary == {"volume-summary": {"total_count": 2, "total_size": 5}}
    summary = call(volumes, member_a, "GET", "volumes/summary", "3.36").json()
    assert summary["volume-summary"]["metadata"] == {"tier": ["gold", "silver"], "x": ["1"]}
    everyone = volumes.client.get(volumes.url(admin, "volumes/summary"), params={
        "all_tenants": 1}, headers={**admin, "OpenStack-API-Version": "volume 3.12"}).json()
    assert everyone["volume-summary"]["total_count"] >= 3
