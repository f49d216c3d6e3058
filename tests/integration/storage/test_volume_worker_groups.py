"""Generic volume groups and group snapshots through the volume worker, against libvirt's test
driver (a dir pool of its own) on both event stores: a group is claimed on the `groups` quota
with its creation; a group snapshot is one ordinary snapshot per member volume, each a copy the
worker makes in the pool, and the group snapshot is available once all are; a group made from
it (or from the group) is creating until the worker made its volumes; deleting takes it all back.
"""

from __future__ import annotations

from uuid import UUID

import pytest

from adapters.storage.libvirt_volumes import snapshot_name
from domain.errors import InvalidInput, NotFound, QuotaExceeded
from domain.quota.ledger import ledger_id
from domain.services.storage.groups import GroupRequest, MemberChanges
from domain.services.storage.volumes import VolumeRequest
from domain.storage.group import GroupStatus
from domain.storage.group_snapshot import GroupSnapshotStatus
from domain.storage.snapshot import Snapshot
from domain.storage.volume_states import VolumeStatus
from tests.integration.storage.volume_worker_rig import ADMIN, USER, Rig

RESOURCES = ("groups", "volumes", "gigabytes", "snapshots")


def held(rig: Rig) -> dict[str, int]:
    ledger = rig.app.find(ledger_id(str(USER.project_id)))
    return {r: ledger.used(r) for r in RESOURCES}


def new_group(rig: Rig) -> UUID:
    rig.cloud.volume_types.seed_default(ADMIN)
    gtype = rig.cloud.group_types.create(ADMIN, "gt")
    return rig.cloud.volume_groups.create(USER, GroupRequest(
        group_type=gtype.id.hex, volume_types=("__DEFAULT__",), name="g1")).id


def in_group(rig: Rig, group_id: UUID, size: int = 1) -> UUID:
    return rig.cloud.volumes.create(USER, VolumeRequest(size=size, group_id=group_id.hex)).id


def test_a_group_snapshot_is_a_snapshot_of_each_member_made_by_the_worker(rig: Rig) -> None:
    worker = rig.worker()
    group_id = new_group(rig)
    assert held(rig) == {"groups": 1, "volumes": 0, "gigabytes": 0, "snapshots": 0}
    volumes = [in_group(rig, group_id, size) for size in (1, 2)]
    worker.catch_up()
    assert {rig.volume(v).group_id for v in volumes} == {group_id.hex}

    gs = rig.cloud.group_snapshots.create(USER, group_id.hex, "gs1", None)
    assert gs.status is GroupSnapshotStatus.CREATING
    assert held(rig) == {"groups": 1, "volumes": 2, "gigabytes": 6, "snapshots": 2}
    with pytest.raises(InvalidInput, match="part of a group"):
        rig.cloud.volume_snapshots.delete(USER, next(iter(gs.snapshots.values())))
    assert worker.catch_up() == 2  # one copy per member, as single snapshots are made
    made = rig.cloud.group_snapshots.get(USER, gs.id)
    assert made.status is GroupSnapshotStatus.AVAILABLE
    names = {v.name() for v in rig.pool().listAllVolumes(0)}
    assert {snapshot_name(UUID(s)) for s in gs.snapshots.values()} <= names
    with pytest.raises(InvalidInput, match="dependent group snapshots"):
        rig.cloud.volume_groups.delete(USER, group_id, delete_volumes=True)

    rig.cloud.group_snapshots.delete(USER, gs.id)
    assert rig.cloud.group_snapshots.get(USER, gs.id).status is GroupSnapshotStatus.DELETING
    assert worker.catch_up() == 2
    with pytest.raises(NotFound):
        rig.cloud.group_snapshots.get(USER, gs.id)
    assert held(rig)["snapshots"] == 0 and held(rig)["gigabytes"] == 3

    rig.cloud.volume_groups.delete(USER, group_id, delete_volumes=True)
    assert worker.catch_up() == 2
    assert rig.in_pool() == set()
    assert held(rig) == {"groups": 0, "volumes": 0, "gigabytes": 0, "snapshots": 0}


def test_groups_made_from_a_group_snapshot_or_a_group_wait_for_their_volumes(
        rig: Rig) -> None:
    worker = rig.worker()
    group_id = new_group(rig)
    volume_id = in_group(rig, group_id, 2)
    worker.catch_up()
    gs = rig.cloud.group_snapshots.create(USER, group_id.hex, None, None)
    worker.catch_up()

    groups = rig.cloud.volume_groups
    from_snapshot = groups.create_from_source(USER, "g2", None, group_snapshot_id=gs.id.hex)
    from_group = groups.create_from_source(USER, "g3", None, source_group_id=group_id.hex)
    assert from_snapshot.status is GroupStatus.CREATING is from_group.status
    assert held(rig) == {"groups": 3, "volumes": 3, "gigabytes": 8, "snapshots": 1}
    assert worker.catch_up() == 2
    for made in (from_snapshot, from_group):
        group = groups.get(USER, made.id)
        assert group.status is GroupStatus.AVAILABLE and len(group.volumes) == 1
        (member,) = group.volumes
        volume = rig.volume(UUID(member))
        assert volume.status is VolumeStatus.AVAILABLE and volume.group_id == made.id.hex
        assert volume.size == 2
    assert rig.volume(UUID(next(iter(groups.get(USER, from_group.id).volumes)))) \
        .source_volid == volume_id.hex
    snapshot_copy = rig.volume(UUID(next(iter(groups.get(USER, from_snapshot.id).volumes))))
    assert snapshot_copy.snapshot_id == gs.snapshots[volume_id.hex]
    assert isinstance(rig.app.find(UUID(snapshot_copy.snapshot_id)), Snapshot)


def test_volumes_move_in_and_out_and_a_group_with_volumes_needs_delete_volumes(
        rig: Rig) -> None:
    worker = rig.worker()
    group_id = new_group(rig)
    volume_id = in_group(rig, group_id)
    loose = rig.create()
    worker.catch_up()
    groups = rig.cloud.volume_groups
    groups.update(USER, group_id, {"name": "renamed"},
                  MemberChanges(add=(loose.hex,), remove=(volume_id.hex,)))
    group = groups.get(USER, group_id)
    assert group.name == "renamed" and group.volumes == {loose.hex}
    assert rig.volume(volume_id).group_id is None and rig.volume(loose).group_id == group_id.hex
    with pytest.raises(InvalidInput, match="cannot be found"):
        groups.update(USER, group_id, {}, MemberChanges(add=("ff" * 16,)))
    with pytest.raises(InvalidInput, match="can not be all empty"):
        groups.update(USER, group_id, {}, MemberChanges())
    with pytest.raises(InvalidInput, match="delete-volumes flag is required"):
        groups.delete(USER, group_id)
    groups.reset_status(ADMIN, group_id, "error")
    assert groups.get(USER, group_id).status is GroupStatus.ERROR
    groups.delete(USER, group_id, delete_volumes=True)
    worker.catch_up()
    assert rig.in_pool() == {volume_id}
    assert held(rig) == {"groups": 0, "volumes": 1, "gigabytes": 1, "snapshots": 0}


def test_a_group_over_the_projects_groups_quota_is_refused_and_changes_nothing(
        rig: Rig) -> None:
    new_group(rig)
    rig.cloud.quotas.set_limits(ADMIN, str(USER.project_id), {"groups": 1})
    gtype = rig.cloud.group_types.create(ADMIN, "gt2")
    with pytest.raises(QuotaExceeded) as over:
        rig.cloud.volume_groups.create(USER, GroupRequest(
            group_type=gtype.id.hex, volume_types=("__DEFAULT__",)))
    assert over.value.resource == "groups" and held(rig)["groups"] == 1
