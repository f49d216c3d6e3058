"""The Group and GroupSnapshot aggregates' statuses, and a volume's and a snapshot's part in
them, pure: no store."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.storage.group import Group, GroupStatus
from domain.storage.group_snapshot import GroupSnapshot, GroupSnapshotStatus
from domain.storage.snapshot import Snapshot
from domain.storage.volume import Volume

T1, T2 = "a1" * 16, "b2" * 16


def group(pending: list[str] | None = None) -> Group:
    return Group("p1", "u1", "g", None, "c3" * 16, [T1], "nova", pending=pending)


def volume(type_id: str | None = T1) -> Volume:
    return Volume("p1", "u1", "v", None, 1, "nova", None, {}, "host-1", volume_type_id=type_id)


def names(aggregate: object) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]  # type: ignore[attr-defined]


def test_an_empty_group_is_available_and_takes_volumes_of_its_types_only() -> None:
    g = group()
    assert g.status is GroupStatus.AVAILABLE and g.quota_held() == {"groups": 1}
    with pytest.raises(InvalidInput, match="does not support this volume type"):
        g.check_accepts(T2)
    v = volume()
    g.check_accepts(v.volume_type_id)
    with pytest.raises(InvalidInput, match="invalid state: creating"):
        v.join_group(g.id.hex)  # an existing volume must be available or in-use
    v.join_group(g.id.hex, new=True)
    with pytest.raises(InvalidInput, match="already in a group"):
        v.join_group("dd" * 16, new=True)
    g.change_members([v.id.hex], [])
    assert v.group_id == g.id.hex and g.volumes == {v.id.hex}
    with pytest.raises(InvalidInput, match="invalid state: creating"):
        v.leave_group(g.id.hex)
    v.created("/pool/v")
    v.leave_group(g.id.hex)
    g.change_members([], [v.id.hex])
    assert v.group_id is None and g.volumes == set()


def test_a_group_with_volumes_needs_delete_volumes_and_none_of_its_group_snapshots() -> None:
    g = group()
    with pytest.raises(InvalidInput, match="delete-volumes flag is required"):
        g.check_delete(False, 1)
    g.snapshot_taken("ee" * 16)
    with pytest.raises(InvalidInput, match="dependent group snapshots"):
        g.check_delete(True, 1)
    g.snapshot_gone("ee" * 16)
    g.check_delete(True, 1)
    g.delete()
    assert g.deleted


def test_a_group_from_a_source_is_creating_until_every_volume_is_made() -> None:
    g = group(pending=["01" * 16, "02" * 16])
    assert g.status is GroupStatus.CREATING
    with pytest.raises(InvalidInput, match="must be available"):
        g.check_accepts(T1)
    g.member_made("01" * 16, ok=True)
    g.member_made("01" * 16, ok=True)  # a replayed report records nothing
    assert g.status is GroupStatus.CREATING
    g.member_made("02" * 16, ok=False)
    assert g.status is GroupStatus.ERROR
    assert names(g) == ["Created", "MemberMade", "MemberMade"]


def test_group_status_resets_to_any_of_cinders_statuses() -> None:
    g = group()
    for status in ("creating", "available", "error"):
        g.reset_status(status)
        assert g.status.value == status
    with pytest.raises(InvalidInput, match="is invalid"):
        g.reset_status("bogus")


def test_a_group_snapshot_follows_its_member_snapshots() -> None:
    gs = GroupSnapshot("p1", "u1", "c3" * 16, T1, "gs", None, {"01" * 16: "aa" * 16,
                                                                 "02" * 16: "bb" * 16})
    assert gs.status is GroupSnapshotStatus.CREATING
    gs.member_made("aa" * 16)
    assert gs.status is GroupSnapshotStatus.CREATING
    gs.member_made("bb" * 16)
    assert gs.status is GroupSnapshotStatus.AVAILABLE
    gs.request_delete()
    gs.member_gone("aa" * 16)
    assert gs.status is GroupSnapshotStatus.DELETING and not gs.deleted
    gs.member_gone("bb" * 16)
    assert gs.deleted
    assert names(gs)[-3:] == ["MemberGone", "MemberGone", "Deleted"]


def test_a_failed_member_fails_the_group_snapshot_and_resets_are_guarded() -> None:
    gs = GroupSnapshot("p1", "u1", "c3" * 16, T1, None, None, {"01" * 16: "aa" * 16})
    gs.create_failed("disk full")
    assert gs.status is GroupSnapshotStatus.ERROR and gs.fault == "disk full"
    with pytest.raises(InvalidInput, match="Invalid status 'deleted' for group snapshot"):
        gs.reset_status("deleted")
    gs.reset_status("available")
    assert gs.status is GroupSnapshotStatus.AVAILABLE


def test_a_member_snapshot_is_deleted_only_with_its_group_snapshot() -> None:
    s = Snapshot("p1", "u1", "01" * 16, "s", None, {}, 1, "host-1", None)
    s.created("/pool/s")
    s.join_group_snapshot("cc" * 16)
    with pytest.raises(InvalidInput, match="part of a group"):
        s.request_delete()
    s.request_delete(with_group=True)
    assert s.status.value == "deleting"
