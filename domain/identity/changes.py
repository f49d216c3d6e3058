"""Rules shared by the identity aggregates' update commands."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from domain.base import Entity
from domain.errors import InvalidInput

DEFAULT_DOMAIN_ID = "default"


def check_changes(changes: Mapping[str, Any], allowed: Iterable[str], what: str) -> None:
    """Only named attributes may change: `update` must never overwrite internal state."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise InvalidInput(f"Cannot update {what} attribute(s): {', '.join(unknown)}.")


class Updatable(Entity):
    """An identity aggregate whose `update` command changes only the attributes it lists in
    `updatable`: checked here, once, so that no aggregate can forget it. Each aggregate still
    declares its own `Updated` event and `_record_update` (calling `_apply`): an event declared
    here would carry this class's topic instead of the one its stored events name."""

    updatable: ClassVar[tuple[str, ...]] = ()
    noun: ClassVar[str] = ""  # what the error calls it; the class name, lowered, by default

    def update(self, changes: dict[str, Any]) -> None:
        check_changes(changes, self.updatable, self.noun or type(self).__name__.lower())
        self._record_update(changes)

    def _record_update(self, changes: dict[str, Any]) -> None:
        raise NotImplementedError

    def _apply(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            setattr(self, key, value)
