"""What Cinder's copies of volumes share: snapshots, backups and group snapshots each go
`creating` → `available` (or `error`), are asked to go (`deleting`), and are gone or
`error_deleting`; an administrator may reset the status to one of a few. An outcome of the
storage worker counts only while the copy still waits for it, so a replayed report records
nothing.

The base holds those guards; each aggregate keeps its own events (their topics stay the ones
they always had), declared here as stubs: `_create_failed`, `_deleted`, `_delete_failed`,
`_status_reset`.
"""

from __future__ import annotations

import enum
from typing import ClassVar

from domain.base import Entity
from domain.errors import InvalidInput


class CopyLifecycle(Entity):
    status: enum.Enum  # a str enum with CREATING, DELETING and the rest of its kind's
    KIND: ClassVar[str]  # as Cinder's messages name it: "snapshot", "backup"
    RESETTABLE: ClassVar[frozenset[enum.Enum]]  # what os-reset_status may set

    def _in(self, status: str) -> bool:
        return str(self.status.value) == status

    def reset_status(self, status: str) -> None:
        if status not in {str(s.value) for s in self.RESETTABLE}:
            raise InvalidInput(f"Invalid input received: Invalid status {status!r} for "
                               f"{self.KIND}.")
        if not self._in(status):
            self._status_reset(status, str(self.status.value))

    def create_failed(self, reason: str) -> None:
        if self._in("creating"):
            self._create_failed(reason)

    def mark_deleted(self) -> None:
        if self._in("deleting"):
            self._deleted()

    def delete_failed(self, reason: str) -> None:
        if self._in("deleting"):
            self._delete_failed(reason)

    # -- each aggregate's own events ---------------------------------------------------------
    def _status_reset(self, status: str, previous: str) -> None:
        raise NotImplementedError

    def _create_failed(self, reason: str) -> None:
        raise NotImplementedError

    def _deleted(self) -> None:
        raise NotImplementedError

    def _delete_failed(self, reason: str) -> None:
        raise NotImplementedError
