"""PUT /servers/{id}/os-volume_attachments/{volume_id}: from 2.85 it changes an attachment's
delete_on_termination (what GET shows may be sent back, but nothing else may change); before
2.85, and with another volumeId, it is Cinder's swap, which no volume here can need (none
migrates): Nova's 409 once the swap rule lets the caller through."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.compute_api import SERVERS, Compute, auth
from tests.support.volumes_api import Volumes


def put(compute: Compute, who: dict[str, str], server_id: str, volume_id: str,
        body: dict[str, Any], version: str) -> httpx.Response:
    return compute.client.put(f"{SERVERS}/{server_id}/os-volume_attachments/{volume_id}",
                              json={"volumeAttachment": body}, headers=auth(who, version))


def flags(compute: Compute, who: dict[str, str], server_id: str) -> dict[str, bool]:
    listed = compute.client.get(f"{SERVERS}/{server_id}/os-volume_attachments",
                                headers=auth(who, "2.85")).json()["volumeAttachments"]
    return {a["volumeId"]: a["delete_on_termination"] for a in listed}


def test_delete_on_termination_changes_from_2_85(compute: Compute, volumes: Volumes,
                                                 member_a: dict[str, str],
                                                 member_b: dict[str, str],
                                                 admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    volume_id, other = volumes.ready(member_a), volumes.ready(member_a)
    made = compute.client.post(f"{SERVERS}/{server_id}/os-volume_attachments",
                               json={"volumeAttachment": {"volumeId": volume_id, "tag": "t"}},
                               headers=auth(member_a, "2.85")).json()["volumeAttachment"]
    assert flags(compute, member_a, server_id) == {volume_id: False}
    answer = put(compute, member_a, server_id, volume_id, {**made, "delete_on_termination": True},
                 "2.85")
    assert (answer.status_code, answer.content) == (202, b""), answer.text
    assert answer.headers["OpenStack-API-Version"] == "compute 2.85"
    assert flags(compute, member_a, server_id) == {volume_id: True}
    server = compute.show(member_a, server_id, "2.85")
    assert server["os-extended-volumes:volumes_attached"] == [
        {"id": volume_id, "delete_on_termination": True}]
    for changed in ({"device": "/dev/vdz"}, {"tag": "other"}, {"serverId": other},
                    {"id": other}, {"delete_on_termination": "maybe"}, {"x": 1}):
        refused = put(compute, member_a, server_id, volume_id, {"volumeId": volume_id, **changed},
                      "2.85")
        assert refused.status_code == 400, (changed, refused.text)
    early = put(compute, member_a, server_id, volume_id,
                {"volumeId": volume_id, "delete_on_termination": False}, "2.84")
    assert early.status_code == 400
    assert put(compute, member_b, server_id, volume_id, {"volumeId": volume_id},
               "2.85").status_code == 404
    assert put(compute, member_a, server_id, other, {"volumeId": other,
               "delete_on_termination": True}, "2.85").status_code == 404, "not attached"
    assert flags(compute, member_a, server_id) == {volume_id: True}, "refusals change nothing"
    put(compute, member_a, server_id, volume_id, {"volumeId": volume_id,
        "delete_on_termination": False}, "2.85")
    assert flags(compute, member_a, server_id) == {volume_id: False}
    host = compute.instance(server_id).host
    volumes.report("attached", volume_id, volumes.attachment_id(volume_id), host, "/dev/vdb")
    put(compute, member_a, server_id, volume_id, {"volumeId": volume_id,
        "delete_on_termination": True}, "2.85")
    assert compute.client.delete(f"{SERVERS}/{server_id}",
                                 headers=auth(member_a)).status_code == 204
    compute.deleted(server_id)
    assert volumes.show(member_a, volume_id)["status"] == "deleting", "the volume's flag too"


def test_a_swap_is_cinders_and_nothing_migrates(compute: Compute, volumes: Volumes,
                                                member_a: dict[str, str],
                                                admin: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    volume_id, other = volumes.ready(member_a), volumes.ready(member_a)
    compute.client.post(f"{SERVERS}/{server_id}/os-volume_attachments",
                        json={"volumeAttachment": {"volumeId": volume_id}},
                        headers=auth(member_a))
    for version in ("2.84", "2.85"):
        swap = {"volumeId": other}
        assert put(compute, member_a, server_id, volume_id, swap, version).status_code == 403
        refused = put(compute, admin, server_id, volume_id, swap, version)
        assert refused.status_code == 409 and "not migrating" in refused.text
        assert put(compute, admin, server_id, other, swap, version).status_code == 404
    same = put(compute, admin, server_id, volume_id, {"volumeId": volume_id}, "2.84")
    assert same.status_code == 409, "before 2.85 every PUT is a swap"
    assert flags(compute, member_a, server_id) == {volume_id: False}
