"""Volume transfers on both event stores: the volume waits awaiting-transfer; the accepting
project takes it, its snapshots and their quota from the giving project in one save; a wrong key
or a full quota changes nothing; a withdrawn transfer gives the volume back."""

from __future__ import annotations

import pytest

from domain.context import RequestContext
from domain.errors import InvalidInput, NotFound, QuotaExceeded
from domain.quota.ledger import ledger_id
from domain.services.quotas import open_ledger
from domain.services.storage.snapshots import SnapshotRequest
from domain.storage.volume_states import VolumeStatus
from tests.integration.storage.volume_worker_rig import USER, Rig

OTHER = RequestContext(user_id="u2", project_id="p2", roles=("member", "reader"))
KEYS = ("volumes", "gigabytes", "snapshots")


def held(rig: Rig, project: str) -> dict[str, int]:
    ledger = rig.app.find(ledger_id(project))
    return {r: ledger.used(r) if ledger else 0 for r in KEYS}


def test_accepting_moves_the_volume_its_snapshots_and_their_quota(rig: Rig) -> None:
    worker = rig.worker()
    volume_id = rig.create(size=2)
    worker.catch_up()
    snapshot = rig.cloud.volume_snapshots.create(USER, SnapshotRequest(volume_id=volume_id.hex))
    worker.catch_up()
    transfers = rig.cloud.volume_transfers
    transfer, key = transfers.create(USER, volume_id.hex, "t")
    assert len(key) == 16 and key not in repr(rig.app.repository.get(transfer.id).__dict__)
    assert rig.volume(volume_id).status is VolumeStatus.AWAITING_TRANSFER
    with pytest.raises(InvalidInput):
        rig.cloud.volumes.delete(USER, volume_id)

    before = rig.app.head()
    with pytest.raises(InvalidInput, match="invalid auth key"):
        transfers.accept(OTHER, transfer.id, "0" * 16)
    assert rig.app.head() == before  # a refused accept records nothing

    transfers.accept(OTHER, transfer.id, key)
    volume = rig.volume(volume_id)
    assert (volume.status, volume.project_id, volume.user_id) == (
        VolumeStatus.AVAILABLE, "p2", "u2")
    moved = rig.cloud.volume_snapshots.load(snapshot.id)
    assert moved is not None and moved.project_id == "p2"
    assert held(rig, "p1") == {"volumes": 0, "gigabytes": 0, "snapshots": 0}
    assert held(rig, "p2") == {"volumes": 1, "gigabytes": 4, "snapshots": 1}
    with pytest.raises(NotFound):
        transfers.accept(OTHER, transfer.id, key)  # accepted: gone
    with pytest.raises(NotFound):
        rig.cloud.volumes.get(USER, volume_id)  # no longer the giver's


def test_a_full_quota_refuses_and_a_withdrawn_transfer_gives_the_volume_back(rig: Rig) -> None:
    worker = rig.worker()
    volume_id = rig.create(size=3)
    worker.catch_up()
    ledger = open_ledger(rig.app, "p2")
    ledger.set_limits({"gigabytes": 2})
    rig.app.save(ledger)
    transfers = rig.cloud.volume_transfers
    transfer, key = transfers.create(USER, volume_id.hex, None, no_snapshots=True)
    with pytest.raises(QuotaExceeded):
        transfers.accept(OTHER, transfer.id, key)
    assert rig.volume(volume_id).project_id == "p1"
    assert held(rig, "p1")["gigabytes"] == 3 and held(rig, "p2")["gigabytes"] == 0
    with pytest.raises(NotFound):
        transfers.delete(OTHER, transfer.id)  # not the other project's to withdraw
    transfers.delete(USER, transfer.id)
    assert rig.volume(volume_id).status is VolumeStatus.AVAILABLE
    with pytest.raises(NotFound):
        transfers.accept(OTHER, transfer.id, key)
