"""A volume's membership of a generic volume group (domain/storage/group.py): joined when made
in the group or added to it, left when removed, each saved with the group. Cinder's checks of
a volume to add or remove. Volume's base (volume.py)."""

from __future__ import annotations

from eventsourcing.domain import event

from domain.errors import InvalidInput
from domain.storage.volume_holdings import VolumeHoldings
from domain.storage.volume_states import VolumeStatus

S = VolumeStatus
ADDABLE = frozenset({S.AVAILABLE, S.IN_USE})
REMOVABLE = frozenset({S.AVAILABLE, S.IN_USE, S.ERROR, S.ERROR_DELETING})


class VolumeGroups(VolumeHoldings):
    group_id: str | None = None  # hex; the class default: volumes made before groups had none

    def join_group(self, group_id: str, new: bool = False) -> None:
        """`new`: the volume made in the group, in the same save."""
        if self.group_id is not None:
            raise InvalidInput(f"Invalid volume: Volume {self.id} is already in a group.")
        if not new and self.status not in ADDABLE:
            raise InvalidInput(f"Invalid volume: Cannot add volume {self.id} to group "
                               f"{group_id} because volume is in an invalid state: "
                               f"{self.status.value}. Valid states are: "
                               "('available', 'in-use').")
        self._group_joined(group_id)

    class GroupJoined(VolumeHoldings.Event):
        group_id: str

    @event(GroupJoined)
    def _group_joined(self, group_id: str) -> None:
        self.group_id = group_id

    def leave_group(self, group_id: str) -> None:
        if self.group_id != group_id:
            raise InvalidInput(f"Invalid volume: Cannot remove volume {self.id} from group "
                               f"{group_id} because it is not in the group.")
        if self.status not in REMOVABLE:
            raise InvalidInput(f"Invalid volume: Cannot remove volume {self.id} from group "
                               f"{group_id} because volume is in an invalid state: "
                               f"{self.status.value}.")
        self._group_left(group_id)

    class GroupLeft(VolumeHoldings.Event):
        group_id: str

    @event(GroupLeft)
    def _group_left(self, group_id: str) -> None:
        self.group_id = None
