"""The Transfer aggregate and a volume's part in transfers, pure: no store."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.storage.transfer import Transfer
from domain.storage.volume import Volume
from domain.storage.volume_states import VolumeStatus

V = VolumeStatus


def available_volume() -> Volume:
    volume = Volume("p1", "u1", "v", None, 1, "nova", None, {}, "host-1")
    volume.created("/pool/v")
    return volume


def test_the_key_is_shown_once_and_only_its_salted_hash_is_kept() -> None:
    transfer, key = Transfer.offer("ab" * 16, "t", False, "p1")
    other, other_key = Transfer.offer("ab" * 16, "t", False, "p1")
    assert len(key) == 16 and key != other_key and transfer.salt != other.salt
    recorded = transfer.collect_events()[0].__dict__
    assert key not in repr(recorded) and transfer.crypt_hash != key
    transfer.check_key(key)
    with pytest.raises(InvalidInput, match="invalid auth key"):
        transfer.check_key(other_key)
    transfer.accept("p2", "u2")
    assert (transfer.accepted, transfer.destination_project_id, transfer.deleted) == (
        True, "p2", True)


def test_a_volume_awaits_its_transfer_and_is_handed_over_or_given_back() -> None:
    volume = available_volume()
    volume.offer("t1")
    assert volume.status is V.AWAITING_TRANSFER
    with pytest.raises(InvalidInput, match="status must be available"):
        volume.offer("t2")
    with pytest.raises(InvalidInput):
        volume.request_delete()
    with pytest.raises(InvalidInput, match="not awaiting this transfer"):
        volume.hand_over("t2", "p2", "u2")
    volume.transfer_withdrawn("t2")  # another transfer's withdrawal changes nothing
    assert volume.status is V.AWAITING_TRANSFER
    volume.hand_over("t1", "p2", "u2")
    assert (volume.status, volume.project_id, volume.user_id) == (V.AVAILABLE, "p2", "u2")
    volume.offer("t3")
    volume.transfer_withdrawn("t3")
    assert volume.status is V.AVAILABLE and volume.project_id == "p2"
