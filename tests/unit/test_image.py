"""The Image aggregate: patches, the upload transition, protection (no I/O)."""

from __future__ import annotations

import pytest

from domain.catalog.image import Image
from domain.catalog.image_fields import PatchOp
from domain.errors import AlreadyExists, Forbidden, InvalidInput, InvalidState, NotFound


def queued(**overrides: object) -> Image:
    fields: dict[str, object] = dict(
        name="cirros", owner="p1", visibility="private", disk_format="qcow2",
        container_format="bare", min_disk=0, min_ram=0, protected=False, tags=["a"],
        properties={"kernel_id": "k"})
    fields.update(overrides)
    return Image(**fields)  # type: ignore[arg-type]


def test_patch_ops_apply_in_order_and_only_differences_are_recorded() -> None:
    image = queued()
    changes = image.changes_for([
        PatchOp("replace", "name", "new"), PatchOp("add", "ramdisk_id", "r"),
        PatchOp("replace", "kernel_id", "k2"), PatchOp("remove", "ramdisk_id"),
        PatchOp("add", "min_ram", 0), PatchOp("add", "tags", ["a", "b"]),
    ])
    assert changes == {"name": "new", "tags": ["a", "b"], "properties": {"kernel_id": "k2"}}
    image.update(changes)
    assert [type(e).__name__ for e in image.collect_events()] == ["Registered", "Updated"]
    assert (image.name, image.tags, image.properties) == ("new", ["a", "b"], {"kernel_id": "k2"})


@pytest.mark.parametrize(("op", "error"), [
    (PatchOp("replace", "status", "active"), Forbidden),
    (PatchOp("add", "os_glance_x", "v"), Forbidden),
    (PatchOp("remove", "name"), Forbidden),
    (PatchOp("replace", "missing", "v"), InvalidState),
    (PatchOp("remove", "missing"), InvalidState),
])
def test_refused_patch_ops(op: PatchOp, error: type[Exception]) -> None:
    with pytest.raises(error):
        queued().changes_for([op])


def test_update_backstops_invariants() -> None:
    image = queued()
    for bad in ({"owner": "p2"}, {"visibility": "everyone"}, {"disk_format": "floppy"},
                {"properties": {f"k{i}": "v" for i in range(129)}}):
        with pytest.raises((InvalidInput, Forbidden)):
            image.update(bad)
    assert len(image.collect_events()) == 1


def test_upload_once_then_formats_are_fixed() -> None:
    image = queued()
    image.upload(3, "md5", "sha512", "sha256")
    assert (image.status, image.size, image.os_hash_algo) == ("active", 3, "sha512")
    with pytest.raises(InvalidState):
        image.upload(3, "md5", "sha512", "sha256")
    with pytest.raises(Forbidden):
        image.update({"disk_format": "raw"})


def test_upload_needs_formats() -> None:
    with pytest.raises(InvalidInput):
        queued(disk_format=None).upload(1, "m", "s", "h")


def test_protected_image_cannot_be_deleted() -> None:
    image = queued(protected=True)
    with pytest.raises(Forbidden):
        image.delete()
    image.update({"protected": False})
    image.delete()
    assert (image.deleted, image.status) == (True, "deleted")


def test_visibility() -> None:
    assert queued().visible_to("p1", False) and not queued().visible_to("p2", False)
    assert queued().visible_to("p2", True)
    assert queued(visibility="public").visible_to("p2", False)


def test_members_only_on_shared_images_and_only_the_member_answers() -> None:
    image = queued()
    with pytest.raises(Forbidden):
        image.add_member("p2")
    image.update({"visibility": "shared"})
    assert not image.visible_to("p2", False)
    image.add_member("p2")
    assert image.visible_to("p2", False) and image.members == {"p2": "pending"}
    with pytest.raises(AlreadyExists):
        image.add_member("p2")
    with pytest.raises(Forbidden):
        image.answer("p2", "accepted", "p1")  # not even the owner answers for the member
    with pytest.raises(InvalidInput):
        image.answer("p2", "maybe", "p2")
    with pytest.raises(NotFound):
        image.answer("p3", "accepted", "p3")
    image.answer("p2", "accepted", "p2")
    image.answer("p2", "accepted", "p2")  # the same answer again records nothing
    image.remove_member("p2")
    assert not image.visible_to("p2", False)
    assert [type(e).__name__ for e in image.collect_events()] == [
        "Registered", "Updated", "MemberAdded", "MemberAnswered", "MemberRemoved"]


def test_deactivate_and_reactivate_only_active_images() -> None:
    image = queued()
    with pytest.raises(Forbidden):
        image.deactivate()
    image.upload(3, "md5", "sha512", "sha256")
    image.deactivate()
    image.deactivate()  # already deactivated: nothing more
    assert image.status == "deactivated"
    image.reactivate()
    assert image.status == "active"
    assert [type(e).__name__ for e in image.collect_events()][-2:] == ["Deactivated",
                                                                       "Reactivated"]


def test_owner_changes_are_an_admins_and_os_hidden_is_settable() -> None:
    image = queued()
    changes = image.changes_for([PatchOp("replace", "owner", "p2"),
                                 PatchOp("replace", "os_hidden", True)])
    with pytest.raises(Forbidden):
        image.update(changes)
    image.update(changes, is_admin=True)
    assert (image.owner, image.os_hidden) == ("p2", True)


def test_kill_records_why() -> None:
    image = queued()
    image.kill("Image content does not match disk_format qcow2: the data is raw.")
    assert image.status == "killed"
    with pytest.raises(InvalidState):
        image.upload(3, "md5", "sha512", "sha256")
