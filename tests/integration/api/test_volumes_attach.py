"""Compute `/servers/{id}/os-volume_attachments` with the volumes it attaches: the attach and
detach flow (libvirt's confirmation reported through the volume service), Nova's and Cinder's
refusals, and isolation between projects, on both stores."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ops.bootstrap import Cloud
from tests.support.compute_api import SERVERS, Compute, auth
from tests.support.volumes_api import Volumes


def attach(compute: Compute, who: dict[str, str], server_id: str,
           body: dict[str, Any], version: str | None = None) -> httpx.Response:
    return compute.client.post(f"{SERVERS}/{server_id}/os-volume_attachments",
                               json={"volumeAttachment": body}, headers=auth(who, version))


def attachments(compute: Compute, who: dict[str, str], server_id: str) -> Any:
    response = compute.client.get(f"{SERVERS}/{server_id}/os-volume_attachments",
                                  headers=auth(who))
    assert response.status_code == 200, response.text
    return response.json()["volumeAttachments"]


def detach(compute: Compute, who: dict[str, str], server_id: str,
           volume_id: str) -> httpx.Response:
    return compute.client.delete(f"{SERVERS}/{server_id}/os-volume_attachments/{volume_id}",
                                 headers=auth(who))


def test_attach_and_detach(compute: Compute, volumes: Volumes,
                           member_a: dict[str, str]) -> None:
    server_id, volume_id = compute.active(member_a), volumes.ready(member_a)
    response = attach(compute, member_a, server_id, {"volumeId": volume_id})
    assert response.status_code == 200, response.text
    assert response.headers["OpenStack-API-Version"] == "compute 2.1"
    expected = {"id": volume_id, "volumeId": volume_id, "serverId": server_id,
                "device": "/dev/vdb"}
    assert response.json() == {"volumeAttachment": expected}
    # attaching: Nova lists the attachment, Cinder shows none until libvirt confirmed
    assert attachments(compute, member_a, server_id) == [expected]
    shown = volumes.show(member_a, volume_id)
    assert (shown["status"], shown["attachments"]) == ("attaching", [])
    instance = compute.instance(server_id)
    assert instance.volumes == {volume_id.replace("-", ""): "/dev/vdb"}

    attachment_id = volumes.attachment_id(volume_id)
    volumes.report("attached", volume_id, attachment_id, instance.host, "/dev/vdb")
    shown = volumes.show(member_a, volume_id)
    assert shown["status"] == "in-use"
    (made,) = shown["attachments"]
    assert (made["server_id"], made["volume_id"], made["device"], made["host_name"]) == (
        server_id, volume_id, "/dev/vdb", instance.host)
    assert made["attachment_id"].replace("-", "") == attachment_id and made["attached_at"]
    one = compute.client.get(f"{SERVERS}/{server_id}/os-volume_attachments/{volume_id}",
                             headers=auth(member_a))
    assert one.status_code == 200 and one.json() == {"volumeAttachment": expected}

    assert detach(compute, member_a, server_id, volume_id).status_code == 202
    assert volumes.show(member_a, volume_id)["status"] == "detaching"
    volumes.report("detached", volume_id, attachment_id)
    assert volumes.show(member_a, volume_id)["status"] == "available"
    assert attachments(compute, member_a, server_id) == []
    assert compute.instance(server_id).volumes == {}

    # and it can go to another server
    other = compute.active(member_a)
    again = attach(compute, member_a, other, {"volumeId": volume_id, "device": "/dev/vdc"})
    assert again.status_code == 200 and again.json()["volumeAttachment"]["device"] == "/dev/vdc"


def test_one_server_at_a_time_and_no_delete_while_attached(
        compute: Compute, volumes: Volumes, member_a: dict[str, str]) -> None:
    first, second = compute.active(member_a), compute.active(member_a)
    volume_id = volumes.ready(member_a)
    assert attach(compute, member_a, first, {"volumeId": volume_id}).status_code == 200
    path = volumes.url(member_a, f"volumes/{volume_id}")
    for stage in ("attaching", "in-use", "detaching"):
        refused = attach(compute, member_a, second, {"volumeId": volume_id})
        assert refused.status_code == 400, (stage, refused.text)  # Nova's for InvalidVolume
        assert f"but the status is {stage}" in refused.json()["badRequest"]["message"]
        deleting = volumes.client.delete(path, headers=auth(member_a))
        assert deleting.status_code == 400, stage
        assert deleting.json()["badRequest"]["message"] == (
            "Invalid volume: Volume status must be available or error or error_extending or "
            "error_restoring and must not be migrating, attached, belong to a group, have "
            "snapshots or be disassociated from snapshots after volume transfer.")
        if stage == "attaching":
            volumes.report("attached", volume_id, volumes.attachment_id(volume_id),
                           "host-1", "/dev/vdb")
        elif stage == "in-use":
            assert detach(compute, member_a, first, volume_id).status_code == 202
    assert attachments(compute, member_a, second) == []


def test_server_state_and_lock_are_checked(compute: Compute, volumes: Volumes,
                                           admin: dict[str, str],
                                           member_a: dict[str, str]) -> None:
    volume_id = volumes.ready(member_a)
    building = compute.booted(member_a)
    refused = attach(compute, member_a, building, {"volumeId": volume_id})
    assert refused.status_code == 409
    assert "task_state spawning" in refused.json()["conflictingRequest"]["message"]
    locked = compute.active(member_a)
    assert compute.action(admin, locked, {"lock": None}).status_code == 202
    assert attach(compute, member_a, locked, {"volumeId": volume_id}).status_code == 409
    stopped = compute.active(member_a)
    compute.action(member_a, stopped, {"os-stop": None})
    compute.succeeded(stopped, "stop")
    assert attach(compute, member_a, stopped, {"volumeId": volume_id}).status_code == 200
    assert volumes.show(member_a, volume_id)["status"] == "attaching"


@pytest.mark.parametrize("body", [
    {}, {"volumeId": "not-a-uuid"}, {"volumeId": None},
    {"volumeId": "6c7b5d7a-0b5e-4a36-9d65-2a1b4a0e9f11", "device": "vdb"},
    {"volumeId": "6c7b5d7a-0b5e-4a36-9d65-2a1b4a0e9f11", "extra": 1},
    {"volumeId": "6c7b5d7a-0b5e-4a36-9d65-2a1b4a0e9f11", "tag": "db"},  # tag needs 2.49
])
def test_bad_attach_requests_are_400(cloud: Cloud, compute: Compute, volumes: Volumes,
                                     member_a: dict[str, str], body: dict[str, Any]) -> None:
    server_id = compute.active(member_a)
    if body.get("volumeId") == "6c7b5d7a-0b5e-4a36-9d65-2a1b4a0e9f11":
        body = {**body, "volumeId": volumes.ready(member_a)}
    head = cloud.app.head()
    response = attach(compute, member_a, server_id, body)
    assert response.status_code == 400, response.text
    assert cloud.app.head() == head


def test_tags_are_taken_from_2_49(compute: Compute, volumes: Volumes,
                                  member_a: dict[str, str]) -> None:
    server_id, volume_id = compute.active(member_a), volumes.ready(member_a)
    response = attach(compute, member_a, server_id, {"volumeId": volume_id, "tag": "db"}, "2.49")
    assert response.status_code == 200, response.text
    assert volumes.aggregate(volume_id).attachment["tag"] == "db"


def test_projects_cannot_attach_across(compute: Compute, volumes: Volumes,
                                       member_a: dict[str, str],
                                       member_b: dict[str, str]) -> None:
    alices_server, alices_volume = compute.active(member_a), volumes.ready(member_a)
    bobs_server, bobs_volume = compute.active(member_b), volumes.ready(member_b)
    missing = attach(compute, member_b, bobs_server, {"volumeId": alices_volume})
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == (
        f"Volume {alices_volume} could not be found.")
    assert attach(compute, member_b, alices_server, {"volumeId": bobs_volume}).status_code == 404
    assert attach(compute, member_a, alices_server, {"volumeId": alices_volume}).status_code \
        == 200
    assert detach(compute, member_b, alices_server, alices_volume).status_code == 404
    listing = compute.client.get(f"{SERVERS}/{alices_server}/os-volume_attachments",
                                 headers=auth(member_b))
    assert listing.status_code == 404
    assert volumes.show(member_b, bobs_volume)["status"] == "available"
    assert volumes.show(member_a, alices_volume)["status"] == "attaching"


def test_detach_of_what_is_not_attached_is_404(compute: Compute, volumes: Volumes,
                                               member_a: dict[str, str]) -> None:
    server_id, volume_id = compute.active(member_a), volumes.ready(member_a)
    response = detach(compute, member_a, server_id, volume_id)
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["message"] == (
        f"Instance {server_id} is not attached to volume {volume_id}")
    assert detach(compute, member_a, server_id, "junk").status_code == 404
    shown = compute.client.get(f"{SERVERS}/{server_id}/os-volume_attachments/{volume_id}",
                               headers=auth(member_a))
    assert shown.status_code == 404


def test_a_failed_attach_frees_the_volume_and_the_device(
        compute: Compute, volumes: Volumes, member_a: dict[str, str]) -> None:
    server_id, volume_id = compute.active(member_a), volumes.ready(member_a)
    attach(compute, member_a, server_id, {"volumeId": volume_id})
    volumes.report("attach_failed", volume_id, volumes.attachment_id(volume_id), "libvirt: no")
    assert volumes.show(member_a, volume_id)["status"] == "available"
    assert attachments(compute, member_a, server_id) == []
    retry = attach(compute, member_a, server_id, {"volumeId": volume_id})
    assert retry.json()["volumeAttachment"]["device"] == "/dev/vdb"


def test_attachments_show_their_tag_from_2_70(compute: Compute, volumes: Volumes,
                                              member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    tagged, plain = volumes.ready(member_a), volumes.ready(member_a)
    made = attach(compute, member_a, server_id, {"volumeId": tagged, "tag": "db"}, "2.70")
    assert made.status_code == 200 and made.json()["volumeAttachment"]["tag"] == "db"
    untagged = attach(compute, member_a, server_id, {"volumeId": plain}, "2.69")
    assert untagged.status_code == 200 and "tag" not in untagged.json()["volumeAttachment"]
    url = f"{SERVERS}/{server_id}/os-volume_attachments"
    listed = compute.client.get(url, headers=auth(member_a, "2.70")).json()["volumeAttachments"]
    assert {a["volumeId"]: a["tag"] for a in listed} == {tagged: "db", plain: None}
    shown = compute.client.get(f"{url}/{tagged}", headers=auth(member_a, "2.70")).json()
    assert shown["volumeAttachment"]["tag"] == "db"
    old = compute.client.get(f"{url}/{tagged}", headers=auth(member_a, "2.69")).json()
    assert "tag" not in old["volumeAttachment"]


def test_delete_on_termination_from_2_79(compute: Compute, volumes: Volumes,
                                         member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    doomed, kept = volumes.ready(member_a), volumes.ready(member_a)
    early = attach(compute, member_a, server_id,
                   {"volumeId": doomed, "delete_on_termination": True}, "2.78")
    assert early.status_code == 400 and volumes.show(member_a, doomed)["status"] == "available"
    made = attach(compute, member_a, server_id,
                  {"volumeId": doomed, "delete_on_termination": True}, "2.79")
    assert made.status_code == 200, made.text
    assert made.json()["volumeAttachment"]["delete_on_termination"] is True
    plain = attach(compute, member_a, server_id, {"volumeId": kept}, "2.79")
    assert plain.json()["volumeAttachment"]["delete_on_termination"] is False
    url = f"{SERVERS}/{server_id}/os-volume_attachments"
    listed = compute.client.get(url, headers=auth(member_a, "2.79")).json()["volumeAttachments"]
    assert {a["volumeId"]: a["delete_on_termination"] for a in listed} == {doomed: True,
                                                                         kept: False}
    shown = compute.client.get(f"{url}/{doomed}", headers=auth(member_a, "2.79")).json()
    assert shown["volumeAttachment"]["delete_on_termination"] is True
    old = compute.client.get(f"{url}/{doomed}", headers=auth(member_a, "2.78")).json()
    assert "delete_on_termination" not in old["volumeAttachment"]
    server = compute.show(member_a, server_id, "2.79")
    assert {v["id"]: v["delete_on_termination"]
            for v in server["os-extended-volumes:volumes_attached"]} == {doomed: True,
                                                                         kept: False}
    host = compute.instance(server_id).host
    for volume_id in (doomed, kept):
        volumes.report("attached", volume_id, volumes.attachment_id(volume_id), host,
                       "/dev/vdb" if volume_id == doomed else "/dev/vdc")
    assert compute.client.delete(f"{SERVERS}/{server_id}",
                                 headers=auth(member_a)).status_code == 204
    compute.deleted(server_id)  # the worker destroyed the guest: its volumes are released
    assert volumes.show(member_a, doomed)["status"] == "deleting"
    assert volumes.show(member_a, kept)["status"] == "available"
