"""The Volume aggregate's status machine (Cinder's statuses), pure: no store, no I/O."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.storage.volume import Volume
from domain.storage.volume_states import OPERATIONS, InvalidVolume, VolumeBusy, VolumeStatus

DEFAULT = "5f1b0e1c7a4f5b4e9d0a3c2f5a7e8b61"  # the default volume type's id: its own quotas

S = VolumeStatus


def volume(size: int = 2) -> Volume:
    return Volume("p1", "u1", "data", None, size, "nova", None, {}, "host-1")


def available(size: int = 2) -> Volume:
    v = volume(size)
    v.created("/pool/vol")
    return v


def in_use() -> tuple[Volume, str]:
    v = available()
    attachment = v.request_attach("server-1", "host-1", "/dev/vdb")
    v.attached(attachment, "host-1", "/dev/vdb")
    return v, attachment


def event_names(v: Volume) -> list[str]:
    return [type(e).__name__ for e in v.collect_events()]


def test_a_new_volume_is_creating_and_holds_its_quota() -> None:
    v = volume(5)
    assert v.status is S.CREATING and v.path is None and not v.bootable
    assert v.quota_held() == {"volumes": 1, "gigabytes": 5, f"volumes@{DEFAULT}": 1,
                              f"gigabytes@{DEFAULT}": 5}
    v.created("/pool/vol")
    assert (v.status, v.path) == (S.AVAILABLE, "/pool/vol")


def test_a_failed_create_is_error_and_still_holds_quota_until_deleted() -> None:
    v = volume(3)
    v.create_failed("pool full")
    assert (v.status, v.fault) == (S.ERROR, "pool full")
    assert v.quota_held() == {"volumes": 1, "gigabytes": 3, f"volumes@{DEFAULT}": 1,
                              f"gigabytes@{DEFAULT}": 3}
    v.request_delete()
    v.mark_deleted()
    assert v.deleted and v.status is S.DELETED


def test_outcomes_are_recorded_once_and_only_in_their_status() -> None:
    v = volume()
    v.collect_events()
    v.created("/a")
    v.created("/b")  # a replayed report
    v.create_failed("late")  # a stale one
    v.extended(9)
    v.mark_deleted()
    assert event_names(v) == ["Provisioned"]
    assert (v.status, v.path, v.size) == (S.AVAILABLE, "/a", 2)


@pytest.mark.parametrize("status", [S.CREATING, S.EXTENDING, S.DELETING, S.ERROR_DELETING])
def test_delete_is_refused_outside_cinders_statuses(status: VolumeStatus) -> None:
    v = volume()
    v.status = status
    with pytest.raises(InvalidVolume, match="must be available or error or error_extending"):
        v.request_delete()


def test_delete_of_an_attached_volume_is_refused_in_every_attach_status() -> None:
    v = available()
    attachment = v.request_attach("server-1", "host-1", "/dev/vdb")
    with pytest.raises(InvalidVolume, match="must not be migrating, attached"):
        v.request_delete()  # attaching
    v.attached(attachment, "host-1", "/dev/vdb")
    with pytest.raises(InvalidVolume):
        v.request_delete()  # in-use
    v.request_detach()
    with pytest.raises(InvalidVolume):
        v.request_delete()  # detaching
    v.detached(attachment)
    v.request_delete()
    assert v.status is S.DELETING


def test_extend_claims_the_new_size_and_a_failure_gives_it_back() -> None:
    v = available(2)
    with pytest.raises(InvalidInput, match=r"than current size. \(current: 2, extended: 2\)"):
        v.request_extend(2)
    v.request_extend(5)
    assert v.status is S.EXTENDING and v.quota_held()["gigabytes"] == 5
    with pytest.raises(InvalidVolume, match="must be available to extend"):
        v.request_extend(6)
    v.extend_failed("no space")
    assert (v.status, v.size, v.quota_held()["gigabytes"]) == (S.ERROR_EXTENDING, 2, 2)
    with pytest.raises(InvalidVolume):
        v.request_extend(5)  # error_extending: only a delete or a reset gets it out


def test_extended_records_only_the_size_that_was_asked_for() -> None:
    v = available(2)
    v.request_extend(4)
    v.extended(3)  # a stale report of another extend
    assert v.status is S.EXTENDING
    v.extended(4)
    assert (v.status, v.size, v.extending_to) == (S.AVAILABLE, 4, None)


def test_attach_then_detach_goes_through_cinders_statuses() -> None:
    v = available()
    attachment = v.request_attach("server-1", "host-1", "/dev/vdb", tag="db")
    assert v.status is S.ATTACHING and v.attachment is not None
    assert v.attachment["attached_at"] is None and v.attached_to("server-1")
    v.attached(attachment, "host-1", "/dev/vdb")
    assert v.status is S.IN_USE and v.attachment["attached_at"]
    v.request_detach()
    assert v.status is S.DETACHING
    v.detach_failed(attachment, "guest busy")
    assert (v.status, v.fault) == (S.IN_USE, "guest busy")
    v.request_detach()
    v.detached(attachment)
    assert (v.status, v.attachment) == (S.AVAILABLE, None)


def test_one_attachment_at_a_time() -> None:
    v = available()
    v.request_attach("server-1", "host-1", "/dev/vdb")
    with pytest.raises(VolumeBusy, match="status must be available to reserve, but the status "
                                         "is attaching"):
        v.request_attach("server-2", "host-1", "/dev/vdb")
    assert v.attachment is not None and v.attachment["server_id"] == "server-1"


def test_a_stale_report_of_an_earlier_attachment_confirms_nothing() -> None:
    v = available()
    first = v.request_attach("server-1", "host-1", "/dev/vdb")
    v.attach_failed(first, "no such domain")
    assert (v.status, v.attachment) == (S.AVAILABLE, None)
    second = v.request_attach("server-2", "host-2", "/dev/vdc")
    v.attached(first, "host-1", "/dev/vdb")  # replayed by a restarted worker
    v.detached(first)
    assert v.status is S.ATTACHING and v.attachment["server_id"] == "server-2"
    v.attached(second, "host-2", "/dev/vdc")
    assert v.status is S.IN_USE


def test_detach_needs_in_use() -> None:
    v = available()
    with pytest.raises(VolumeBusy, match="must be 'in-use'"):
        v.request_detach()
    v.request_attach("server-1", "host-1", "/dev/vdb")
    with pytest.raises(VolumeBusy):
        v.request_detach()  # attaching: libvirt has not confirmed yet


def test_reset_status_drops_attachment_and_extend() -> None:
    v, _ = in_use()
    with pytest.raises(InvalidInput, match="Cannot reset-state to deleting"):
        v.reset_status("deleting")
    v.reset_status("error")  # Cinder keeps the attachment, unless told it is detached
    assert v.status is S.ERROR and v.attachment is not None
    v.reset_status("in-use")
    v.reset_status("available")
    assert (v.status, v.attachment) == (S.AVAILABLE, None)
    with pytest.raises(InvalidInput, match="does not have any attachments"):
        v.reset_status("in-use")
    v.request_extend(7)
    v.reset_status("error")
    assert (v.status, v.extending_to, v.quota_held()["gigabytes"]) == (S.ERROR, None, 2)
    v.collect_events()
    v.reset_status("error")  # nothing to change: nothing recorded
    assert v.collect_events() == []


def test_every_request_names_its_statuses() -> None:
    # The table is the single source: each in-progress status is left by both outcomes.
    for name, op in OPERATIONS.items():
        assert op.busy not in op.sources, name
        assert op.done is not op.busy and op.failed is not op.busy, name


def test_an_in_use_volume_grows_only_when_asked_as_attached_and_stays_in_use() -> None:
    v, _ = in_use()
    with pytest.raises(InvalidVolume, match="must be available to extend"):
        v.request_extend(3)  # below 3.42
    v.request_extend(3, attached=True)
    assert v.status is S.EXTENDING and v.attachment is not None
    with pytest.raises((InvalidVolume, VolumeBusy)):
        v.request_detach()  # not while it grows
    v.extended(3)
    assert (v.status, v.size, v.attachment is not None) == (S.IN_USE, 3, True)
    with pytest.raises(InvalidInput):
        v.request_extend(3, attached=True)  # not larger
