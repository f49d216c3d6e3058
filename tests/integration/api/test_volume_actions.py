"""Cinder's volume actions beyond extend and retype: the legacy attach family (os-reserve,
os-unreserve, os-attach, os-detach, os-begin_detaching, os-roll_detaching, os-force_detach), the
bootable and read-only flags, os-reset_status to any status, and os-force_delete, on both
stores."""

from __future__ import annotations

import uuid

from ops.bootstrap import Cloud
from tests.support.compute_api import Compute
from tests.support.volumes_api import Volumes


def act(volumes: Volumes, who: dict[str, str], volume_id: str, body: dict[str, object],
        status: int = 202) -> None:
    response = volumes.action(who, volume_id, body)
    assert response.status_code == status, response.text


def test_reserve_unreserve(volumes: Volumes, member_a: dict[str, str]) -> None:
    volume_id = volumes.ready(member_a)
    act(volumes, member_a, volume_id, {"os-reserve": {}})
    assert volumes.show(member_a, volume_id)["status"] == "attaching"
    refused = volumes.action(member_a, volume_id, {"os-reserve": None})
    assert refused.status_code == 400
    assert "must be available to reserve" in refused.json()["badRequest"]["message"]
    act(volumes, member_a, volume_id, {"os-unreserve": {}})
    assert volumes.show(member_a, volume_id)["status"] == "available"
    act(volumes, member_a, volume_id, {"os-unreserve": {}})  # nothing reserved: nothing done
    missing = volumes.action(member_a, str(uuid.uuid4()), {"os-reserve": {}})
    assert missing.status_code == 404


def test_attach_detach_records_the_attachment(cloud: Cloud, compute: Compute,
                                              volumes: Volumes,
                                              member_a: dict[str, str]) -> None:
    server_id, volume_id = compute.active(member_a), volumes.ready(member_a)
    act(volumes, member_a, volume_id, {"os-attach": {"instance_uuid": server_id,
                                                     "mountpoint": "/dev/vdc"}})
    shown = volumes.show(member_a, volume_id)
    assert shown["status"] == "in-use"
    assert shown["metadata"] == {"readonly": "False", "attached_mode": "rw"}
    (made,) = shown["attachments"]
    assert (made["server_id"], made["device"], made["id"], made["volume_id"]) == (
        server_id, "/dev/vdc", volume_id, volume_id)
    # Cinder's bookkeeping only: no worker acts on it, and Nova has no attachment of it
    assert compute.instance(server_id).volumes == {}
    assert volumes.aggregate(volume_id).attachment["recorded"] is True
    busy = volumes.action(member_a, volume_id, {"os-attach": {"host_name": "h",
                                                               "mountpoint": "/dev/vdd"}})
    assert busy.status_code == 400
    wrong = volumes.action(member_a, volume_id, {"os-detach": {
        "attachment_id": str(uuid.uuid4())}})
    assert wrong.status_code == 400
    act(volumes, member_a, volume_id, {"os-begin_detaching": {}})
    assert volumes.show(member_a, volume_id)["status"] == "detaching"
    act(volumes, member_a, volume_id, {"os-roll_detaching": {}})
    assert volumes.show(member_a, volume_id)["status"] == "in-use"
    act(volumes, member_a, volume_id, {"os-detach": {}})
    shown = volumes.show(member_a, volume_id)
    assert (shown["status"], shown["attachments"], shown["metadata"]) == (
        "available", [], {"readonly": "False"})
    act(volumes, member_a, volume_id, {"os-detach": None})  # not attached: nothing to do
    act(volumes, member_a, volume_id, {"os-reserve": {}})
    act(volumes, member_a, volume_id, {"os-detach": {}})  # a reservation left is undone
    assert volumes.show(member_a, volume_id)["status"] == "available"


def test_attach_input_is_checked_before_the_volume(volumes: Volumes,
                                                   member_a: dict[str, str]) -> None:
    volume_id = volumes.ready(member_a)
    for body in ({"os-attach": {"mountpoint": "/dev/vdb"}},  # neither server nor host
                 {"os-attach": {"instance_uuid": "nope", "mountpoint": "/dev/vdb"}},
                 {"os-attach": {"host_name": "h", "mountpoint": "/dev/vdb", "mode": "rx"}},
                 {"os-detach": {"attachment_id": "nope"}},
                 {"os-set_bootable": {"bootable": "maybe"}},
                 {"os-update_readonly_flag": {}}):
        response = volumes.action(member_a, volume_id, body)
        assert response.status_code == 400, (body, response.text)
    assert volumes.show(member_a, volume_id)["status"] == "available"
    gone = volumes.action(member_a, "xxx", {"os-detach": {}})
    assert gone.status_code == 404


def test_flags(volumes: Volumes, member_a: dict[str, str]) -> None:
    volume_id = volumes.ready(member_a)
    for flag in (True, False, "true"):
        response = volumes.action(member_a, volume_id, {"os-set_bootable": {"bootable": flag}})
        assert response.status_code == 200, response.text
        assert volumes.show(member_a, volume_id)["bootable"] == str(flag).lower()
    act(volumes, member_a, volume_id, {"os-update_readonly_flag": {"readonly": True}})
    assert volumes.show(member_a, volume_id)["metadata"] == {"readonly": "True"}
    # a read-only volume is attached read-only
    rw = volumes.action(member_a, volume_id, {"os-attach": {"host_name": "h",
                                                             "mountpoint": "/dev/vdb"}})
    assert rw.status_code == 400
    act(volumes, member_a, volume_id, {"os-attach": {"host_name": "h", "mountpoint": "/dev/vdb",
                                                     "mode": "ro"}})
    not_available = volumes.action(member_a, volume_id,
                                   {"os-update_readonly_flag": {"readonly": False}})
    assert not_available.status_code == 400


def test_reset_status_and_force_delete(volumes: Volumes, admin: dict[str, str],
                                       member_a: dict[str, str]) -> None:
    volume_id = volumes.ready(member_a)
    for status in ("error", "available", "maintenance", "creating", "attaching"):
        act(volumes, admin, volume_id, {"os-reset_status": {"status": status}})
        assert volumes.show(member_a, volume_id)["status"] == status
    for status in ("deleting", "error_deleting", "in-use", "bogus"):
        refused = volumes.action(admin, volume_id, {"os-reset_status": {"status": status}})
        assert refused.status_code == 400, status
    assert volumes.action(member_a, volume_id, {"os-force_delete": {}}).status_code == 403
    act(volumes, admin, volume_id, {"os-force_delete": {}})
    assert volumes.show(member_a, volume_id)["status"] == "deleting"
    volumes.report("deleted", volume_id)
    assert volumes.get(member_a, volume_id).status_code == 404


def test_force_detach_after_reset_to_error(volumes: Volumes, admin: dict[str, str],
                                           member_a: dict[str, str]) -> None:
    volume_id = volumes.ready(member_a)
    act(volumes, member_a, volume_id, {"os-attach": {"host_name": "elsewhere",
                                                     "mountpoint": "/dev/vdb"}})
    (made,) = volumes.show(member_a, volume_id)["attachments"]
    act(volumes, admin, volume_id, {"os-reset_status": {"status": "error"}})
    shown = volumes.show(member_a, volume_id)
    assert (shown["status"], len(shown["attachments"])) == ("error", 1)  # kept, as in Cinder
    refused = volumes.action(admin, volume_id, {"os-force_delete": {}})
    assert refused.status_code == 400  # still attached
    act(volumes, admin, volume_id, {"os-force_detach": {
        "attachment_id": made["attachment_id"], "connector": None}})
    shown = volumes.show(member_a, volume_id)
    assert (shown["status"], shown["attachments"]) == ("available", [])


def test_image_metadata(cloud: Cloud, volumes: Volumes, member_a: dict[str, str]) -> None:
    """os-set_image_metadata, os-unset_image_metadata and os-show_image_metadata: the volume's
    glance metadata, shown as its volume_image_metadata."""
    volume_id = volumes.ready(member_a)
    assert "volume_image_metadata" not in volumes.show(member_a, volume_id)
    shown = volumes.action(member_a, volume_id, {"os-show_image_metadata": None})
    assert (shown.status_code, shown.json()) == (200, {"metadata": {}})
    given = {"image_id": "5137a025-3c5f-43c1-bc64-5f41270040a5", "kernel_id": "k",
             "ramdisk_id": "r"}
    response = volumes.action(member_a, volume_id, {"os-set_image_metadata": {"metadata": given}})
    assert (response.status_code, response.json()) == (200, {"metadata": given})
    assert volumes.show(member_a, volume_id)["volume_image_metadata"] == given
    gone = volumes.action(member_a, volume_id, {"os-unset_image_metadata": {"key": "ramdisk_id"}})
    assert gone.status_code == 200
    missing = volumes.action(member_a, volume_id, {"os-unset_image_metadata": {"key": "nope"}})
    assert missing.status_code == 404
    shown = volumes.action(member_a, volume_id, {"os-show_image_metadata": {}})
    assert shown.json() == {"metadata": {"image_id": given["image_id"], "kernel_id": "k"}}
    bad = volumes.action(member_a, volume_id, {"os-set_image_metadata": {"metadata": {"": "x"}}})
    assert bad.status_code == 400
