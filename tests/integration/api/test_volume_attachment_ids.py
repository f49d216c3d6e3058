"""Nova 2.89: GET of os-volume_attachments shows each attachment's id (Cinder's, as the volume
shows it) and its block device mapping's uuid instead of `id`; the POST's answer keeps `id`."""

from __future__ import annotations

from uuid import UUID

from tests.support.compute_api import SERVERS, Compute, auth
from tests.support.volumes_api import Volumes


def test_attachment_and_bdm_ids_from_2_89(compute: Compute, volumes: Volumes,
                                          member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    volume_id = volumes.ready(member_a)
    url = f"{SERVERS}/{server_id}/os-volume_attachments"
    made = compute.client.post(url, json={"volumeAttachment": {"volumeId": volume_id}},
                               headers=auth(member_a, "2.89"))
    assert made.status_code == 200 and made.json()["volumeAttachment"]["id"] == volume_id
    [listed] = compute.client.get(url, headers=auth(member_a, "2.89")).json()[
        "volumeAttachments"]
    shown = compute.client.get(f"{url}/{volume_id}", headers=auth(member_a, "2.89"))
    assert shown.headers["OpenStack-API-Version"] == "compute 2.89"
    assert shown.json()["volumeAttachment"] == listed
    assert "id" not in listed and listed["volumeId"] == volume_id
    assert UUID(listed["attachment_id"]).hex == volumes.attachment_id(volume_id)
    assert UUID(listed["bdm_uuid"]) and listed["bdm_uuid"] != listed["attachment_id"]
    again = compute.client.get(f"{url}/{volume_id}", headers=auth(member_a, "2.89")).json()
    assert again["volumeAttachment"]["bdm_uuid"] == listed["bdm_uuid"], "stable"
    old = compute.client.get(f"{url}/{volume_id}", headers=auth(member_a, "2.88")).json()
    assert old["volumeAttachment"]["id"] == volume_id and "bdm_uuid" not in old[
        "volumeAttachment"]
