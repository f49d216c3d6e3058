"""The Snapshot aggregate's statuses and a volume's hold on its snapshots, pure: no store."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.storage.snapshot import Snapshot, SnapshotStatus
from domain.storage.volume import Volume
from domain.storage.volume_states import InvalidVolume

S = SnapshotStatus


def snapshot() -> Snapshot:
    return Snapshot("p1", "u1", "ab" * 16, "s", None, {}, 2, "host-1", None)


def names(s: Snapshot) -> list[str]:
    return [type(e).__name__ for e in s.collect_events()]


def test_a_snapshot_is_made_then_deleted_by_the_workers_reports_once_each() -> None:
    s = snapshot()
    assert (s.status, s.progress) == (S.CREATING, "0%")
    assert {k: n for k, n in s.quota_held().items() if "@" not in k} == {"snapshots": 1,
                                                                         "gigabytes": 2}
    s.created("/pool/snapshot-x")
    s.created("/pool/snapshot-x")  # a replayed report records nothing
    assert (s.status, s.progress) == (S.AVAILABLE, "100%")
    s.request_delete()
    s.mark_deleted()
    s.mark_deleted()
    assert s.deleted and names(s) == ["Requested", "Provisioned", "DeleteRequested", "Deleted"]


def test_only_available_or_error_snapshots_are_deleted_unless_forced() -> None:
    s = snapshot()
    with pytest.raises(InvalidInput, match="must be available or error"):
        s.request_delete()
    s.reset_status("deleting")  # asks the worker for nothing by itself
    s.request_delete(force=True)  # so a forced delete asks again, even from deleting
    assert names(s)[-2:] == ["StatusReset", "DeleteRequested"]


def test_status_updates_follow_cinders_allowed_transitions() -> None:
    s = snapshot()
    s.update_status("error", "80%")
    assert (s.status, s.progress) == (S.ERROR, "80%")
    with pytest.raises(InvalidInput, match="not allowed for snapshot with status error"):
        s.update_status("available", None)
    with pytest.raises(InvalidInput, match="Invalid status"):
        s.reset_status("bogus")


def test_a_volume_with_snapshots_is_deleted_only_with_them() -> None:
    v = Volume("p1", "u1", "data", None, 2, "nova", None, {}, "host-1")
    with pytest.raises(InvalidVolume, match="status must be available"):
        v.take_snapshot("s1")  # still creating
    v.created("/pool/v")
    v.take_snapshot("s1")
    with pytest.raises(InvalidVolume, match="have snapshots"):
        v.request_delete()
    v.request_delete(cascade=True)
    w = Volume("p1", "u1", "data", None, 2, "nova", None, {}, "host-1")
    w.created("/pool/w")
    w.take_snapshot("s1")
    w.snapshot_gone("s1")
    w.snapshot_gone("s1")
    w.request_delete()
    assert [type(e).__name__ for e in w.collect_events()][-3:] == [
        "SnapshotTaken", "SnapshotDropped", "DeleteRequested"]
