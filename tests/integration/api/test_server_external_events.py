"""os-server-external-events: services post events about servers; each gets Nova's code, the
accepted ones are recorded in the event store, and bad requests change nothing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from domain.context import SYSTEM
from ops.bootstrap import Cloud
from tests.support.compute_api import Compute, auth
from tests.support.identity import make_member, password_token

URL = "/compute/v2.1/os-server-external-events"
NOBODY = "00000000-0000-4000-8000-000000000000"


def service_user(cloud: Cloud, client: TestClient) -> dict[str, str]:
    """A user with only the `service` role (as Neutron's user in devstack, made by hand: the
    role is not one the bootstrap makes)."""
    role = cloud.identity.create_role(SYSTEM, "service")
    ids = make_member(cloud, "service", "neutron", role="reader")
    cloud.identity.grant(SYSTEM, ids["project_id"], ids["user_id"], role.id.hex)
    cloud.sync_read_models()
    return {"token": password_token(client, "neutron", ids["password"], "service")}


def recorded(cloud: Cloud, after: int) -> list[dict[str, Any]]:
    found = []
    for item in cloud.app.recorder.select_notifications(after + 1, 1000):
        if item.topic.endswith("ExternalEvents.Received"):
            found += cloud.app.repository.get(item.originator_id).events
    return found


def test_events_get_novas_codes_and_the_accepted_are_recorded(
        cloud: Cloud, compute: Compute, member_a: dict[str, str]) -> None:
    service = service_user(cloud, compute.client)
    server_id = compute.active(member_a)
    head = cloud.app.head()
    events = [{"name": "network-changed", "server_uuid": server_id},
              {"name": "volume-extended", "server_uuid": server_id, "tag": "vol-1",
               "status": "in-progress"},
              {"name": "volume-extended", "server_uuid": server_id},  # tag required
              {"name": "network-vif-plugged", "server_uuid": NOBODY}]
    response = compute.client.post(URL, json={"events": events}, headers=auth(service, "2.51"))
    assert response.status_code == 207, response.text
    answered = response.json()["events"]
    assert [(e["code"], e["status"]) for e in answered] == \
        [(200, "completed"), (200, "completed"), (400, "failed"), (404, "failed")]
    assert answered[1]["tag"] == "vol-1" and "tag" not in answered[0]
    host = compute.instance(server_id).host
    assert recorded(cloud, head) == [
        {"server_id": UUID(server_id).hex, "name": "network-changed", "status": "completed",
         "tag": None, "host": host},
        {"server_id": UUID(server_id).hex, "name": "volume-extended", "status": "in-progress",
         "tag": "vol-1", "host": host}]
    only_good = compute.client.post(URL, json={"events": events[:1]},
                                    headers=auth(service, "2.1"))
    assert only_good.status_code == 200


def test_a_server_without_a_host_is_422(cloud: Cloud, compute: Compute,
                                        member_a: dict[str, str]) -> None:
    service = service_user(cloud, compute.client)
    server_id = compute.booted(member_a, flavorRef="5")  # m1.xlarge fits neither host
    assert compute.instance(server_id).host is None
    response = compute.client.post(URL, json={"events": [
        {"name": "network-changed", "server_uuid": server_id}]}, headers=auth(service, "2.1"))
    assert response.status_code == 207 and response.json()["events"][0]["code"] == 422


def test_refusals_change_nothing(cloud: Cloud, compute: Compute, member_a: dict[str, str],
                                 admin: dict[str, str]) -> None:
    service = service_user(cloud, compute.client)
    server_id = compute.booted(member_a)
    good = {"name": "network-changed", "server_uuid": server_id}
    head = cloud.app.head()
    for who, body, version, status in (
            (admin, {"events": [good]}, "2.1", 403),  # the service role, not admin
            (member_a, {"events": [good]}, "2.1", 403),
            (service, {"events": []}, "2.1", 400),
            (service, {"events": [{**good, "name": "volume-extended", "tag": "v"}]}, "2.50", 400),
            (service, {"events": [{**good, "name": "power-update", "tag": "POWER_ON"}]}, "2.75",
             400),
            (service, {"events": [{**good, "server_uuid": "not-a-uuid"}]}, "2.1", 400),
            (service, {"events": [{**good, "status": "done"}]}, "2.1", 400),
            (service, {"events": [good], "extra": 1}, "2.1", 400)):
        response = compute.client.post(URL, json=body, headers=auth(who, version))
        assert response.status_code == status, (body, version, response.text)
    assert recorded(cloud, head) == []
    power = compute.client.post(URL, json={"events": [
        {**good, "name": "power-update", "tag": "POWER_ON"}]}, headers=auth(service, "2.76"))
    assert power.status_code in (200, 207)
