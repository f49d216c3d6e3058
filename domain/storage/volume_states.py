"""Cinder's volume statuses and which request each allows, in one table.

A request moves a volume into an in-progress status (`busy`); the storage worker's outcome moves
it on to `done` or `failed`. A request from any other status is refused: Cinder's 400 (Invalid
volume) for the volume API's own requests, the 409 of the issue for attach and detach.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from domain.errors import InvalidInput, InvalidState


class VolumeStatus(str, enum.Enum):
    CREATING = "creating"
    AVAILABLE = "available"
    RESERVED = "reserved"  # Cinder's attachment-without-connector; no request here makes it
    ATTACHING = "attaching"
    IN_USE = "in-use"
    DETACHING = "detaching"
    DELETING = "deleting"
    EXTENDING = "extending"
    ERROR = "error"
    ERROR_DELETING = "error_deleting"
    ERROR_EXTENDING = "error_extending"
    BACKING_UP = "backing-up"  # being copied into a backup (volume_backups.py)
    RESTORING_BACKUP = "restoring-backup"  # a backup being copied into it
    ERROR_RESTORING = "error_restoring"
    AWAITING_TRANSFER = "awaiting-transfer"  # offered to another project (volume_transfers.py)
    UPLOADING = "uploading"  # its data is being copied into a new image (os-volume_upload_image)
    MAINTENANCE = "maintenance"  # only an administrator's os-reset_status sets it
    DELETED = "deleted"  # never shown: a deleted volume is gone from every list


S = VolumeStatus


@dataclass(frozen=True)
class Operation:
    """A request allowed from `sources`, shown as `busy` until the backend reports."""

    sources: frozenset[VolumeStatus]
    busy: VolumeStatus
    done: VolumeStatus
    failed: VolumeStatus


def _op(sources: set[VolumeStatus], busy: S, done: S, failed: S) -> Operation:
    return Operation(frozenset(sources), busy, done, failed)


OPERATIONS: dict[str, Operation] = {
    "create": _op(set(), S.CREATING, S.AVAILABLE, S.ERROR),
    # Cinder's delete conditions (error_managing does not exist here).
    "delete": _op({S.AVAILABLE, S.ERROR, S.ERROR_EXTENDING, S.ERROR_RESTORING}, S.DELETING,
                  S.DELETED, S.ERROR_DELETING),
    # Offline extend; from Cinder 3.42 an in-use volume too (Volume.request_extend's
    # `attached`), back to in-use when done.
    "extend": _op({S.AVAILABLE}, S.EXTENDING, S.AVAILABLE, S.ERROR_EXTENDING),
    "attach": _op({S.AVAILABLE}, S.ATTACHING, S.IN_USE, S.AVAILABLE),
    "detach": _op({S.IN_USE}, S.DETACHING, S.AVAILABLE, S.IN_USE),
}

# Where a volume may change its type (os-retype): no data moves, so attached ones too.
RETYPABLE = frozenset({S.AVAILABLE, S.IN_USE})
# Which volumes may be copied into a snapshot (Cinder: in-use ones only with force) or a clone.
SNAPSHOT_SOURCES = frozenset({S.AVAILABLE})
SNAPSHOT_SOURCES_FORCED = frozenset({S.AVAILABLE, S.IN_USE})
# What an administrator may force a volume to with os-reset_status: any status but Cinder's
# refused deleting and error_deleting (in-use only while it has an attachment).
RESETTABLE = frozenset(set(S) - {S.DELETING, S.ERROR_DELETING, S.DELETED})
# Statuses in which the backend must hold the volume: its absence there is drift (`lost`).
# Not creating/deleting (the storage worker's own work in progress) nor the error statuses.
LOSABLE = frozenset({S.AVAILABLE, S.IN_USE, S.ATTACHING, S.DETACHING, S.EXTENDING,
                     S.UPLOADING})
# Where a volume's data may be copied into an image (Cinder without enable_force_upload).
UPLOADABLE = frozenset({S.AVAILABLE})
# Cinder's words for a refused delete (the conditions it lists beyond status never hold here).
DELETE_REFUSED = ("Volume status must be {} and must not be migrating, attached, belong to a "
                  "group, have snapshots or be disassociated from snapshots after volume "
                  "transfer.")

FORCE_DELETE_REFUSED = ("Volume must not be deleting, attached, or have snapshots to be "
                        "force-deleted.")


class InvalidVolume(InvalidInput):
    """Cinder's InvalidVolume: a volume request its status does not allow (400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Invalid volume: {reason}")


class VolumeBusy(InvalidState):
    """Attach or detach of a volume whose status does not allow it (409)."""


def check_retype(volume_id: object, status: VolumeStatus) -> None:
    if status not in RETYPABLE:
        raise InvalidVolume(f"Volume {volume_id} status must be available or in-use to "
                            f"retype, but current status is: {status.value}.")


def statuses(op: str) -> str:
    """The allowed statuses of a request in Cinder's words: "available or error"."""
    return " or ".join(s.value for s in sorted(OPERATIONS[op].sources, key=list(S).index))
