"""A volume's part in transfers (Cinder's awaiting-transfer): offered to another project, then
handed over or withdrawn.

An available volume is offered in the save that creates the Transfer, and waits
`awaiting-transfer` (nothing else can be done to it) until the transfer is accepted, which hands
the volume to the accepting project and user in the save that moves its quota, or deleted,
which makes it available again. Volume's base (volume.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from domain.base import Entity
from domain.storage.volume_states import InvalidVolume, VolumeStatus

S = VolumeStatus


class VolumeTransfers(Entity):
    if TYPE_CHECKING:  # Volume's own (a field declared here would follow defaulted ones)
        status: VolumeStatus
        project_id: str
        user_id: str
    transfer_id: str | None = None  # hex id of the transfer it awaits (class default: none)

    def offer(self, transfer_id: str) -> None:
        if self.status is not S.AVAILABLE:
            raise InvalidVolume("status must be available")
        self._offered(transfer_id)

    class TransferOffered(Entity.Event):
        transfer_id: str

    @event(TransferOffered)
    def _offered(self, transfer_id: str) -> None:
        self.status, self.transfer_id = S.AWAITING_TRANSFER, transfer_id

    def transfer_withdrawn(self, transfer_id: str) -> None:
        if self.status is S.AWAITING_TRANSFER and self.transfer_id == transfer_id:
            self._withdrawn(transfer_id)

    class TransferWithdrawn(Entity.Event):
        transfer_id: str

    @event(TransferWithdrawn)
    def _withdrawn(self, transfer_id: str) -> None:
        self.status, self.transfer_id = S.AVAILABLE, None

    def hand_over(self, transfer_id: str, project_id: str, user_id: str) -> None:
        if self.status is not S.AWAITING_TRANSFER or self.transfer_id != transfer_id:
            raise InvalidVolume(f"Volume {self.id} is not awaiting this transfer.")
        self._handed_over(transfer_id, project_id, user_id)

    class HandedOver(Entity.Event):
        transfer_id: str
        project_id: str
        user_id: str

    @event(HandedOver)
    def _handed_over(self, transfer_id: str, project_id: str, user_id: str) -> None:
        self.status, self.transfer_id = S.AVAILABLE, None
        self.project_id, self.user_id = project_id, user_id
