"""QoS specs (Cinder's qos-specs): named key/value limits for a consumer, associated with volume
types. Both sides keep the association (the type its `qos_specs_id`, the specs their `types`)
and are saved together, so a delete without `force` can refuse specs still in use from the
aggregate itself."""

from __future__ import annotations

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import InvalidInput

CONSUMERS = ("front-end", "back-end", "both")
DEFAULT_CONSUMER = "back-end"


class QosSpecs(Entity):
    class Created(Entity.Created):
        name: str
        consumer: str
        specs: dict[str, str]

    @event(Created)
    def __init__(self, name: str, consumer: str, specs: dict[str, str]) -> None:
        self.name, self.consumer, self.specs = name, consumer, dict(specs)
        self.types: list[str] = []  # hex ids of the associated volume types
        self.deleted = False

    class SpecsSet(Entity.Event):
        specs: dict[str, str]
        consumer: str

    @event(SpecsSet)
    def set_specs(self, specs: dict[str, str], consumer: str) -> None:
        self.specs.update(specs)
        self.consumer = consumer

    def unset_keys(self, keys: list[str]) -> None:
        missing = [k for k in keys if k not in self.specs]
        if missing:
            raise InvalidInput(f"Invalid input received: QoS spec {self.id} has no key "
                               f"{missing[0]}.")
        if keys:
            self._keys_unset(list(keys))

    class KeysUnset(Entity.Event):
        keys: list[str]

    @event(KeysUnset)
    def _keys_unset(self, keys: list[str]) -> None:
        for key in keys:
            self.specs.pop(key, None)

    class TypeAssociated(Entity.Event):
        type_id: str

    @event(TypeAssociated)
    def associate(self, type_id: str) -> None:
        if type_id not in self.types:
            self.types.append(type_id)

    class TypeDisassociated(Entity.Event):
        type_id: str

    @event(TypeDisassociated)
    def disassociate(self, type_id: str) -> None:
        if type_id in self.types:
            self.types.remove(type_id)

    def delete(self, force: bool) -> None:
        """With `force`, the caller disassociates every type in the same save."""
        if self.types and not force:
            raise InvalidInput("Qos specs still in use.")
        self._deleted()

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True
