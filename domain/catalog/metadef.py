"""Glance metadata definitions (metadefs): a namespace of objects, properties, tags and the
resource types it applies to, which clients such as Horizon read to offer image properties.

A namespace is one aggregate, its id derived from its name (uuid5), so a name is taken at most
once, atomically. Its definitions are kept by kind ("objects", "properties", "tags",
"resource_types") and name; every change to one is an event of the namespace.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import AlreadyExists, Forbidden, InvalidInput, NotFound

KINDS = ("objects", "properties", "tags", "resource_types")
# What a PUT of the namespace may change (its name stays: it is the namespace's identity).
NAMESPACE_FIELDS = ("display_name", "description", "visibility", "protected")
VISIBILITIES = ("public", "private")


def namespace_id(name: str) -> UUID:
    return natural_id("metadef-namespace", name)


def check_visibility(visibility: object) -> None:
    if visibility not in VISIBILITIES:
        raise InvalidInput(f"Invalid visibility {visibility!r}: public or private.")


class MetadefNamespace(Entity):
    @staticmethod
    def create_id(namespace: str, **_: Any) -> UUID:
        return namespace_id(namespace)

    class Created(Entity.Created):
        namespace: str
        owner: str | None
        fields: dict[str, Any]

    @event(Created)
    def __init__(self, namespace: str, owner: str | None, fields: dict[str, Any]) -> None:
        self._reset(namespace, owner, fields)

    def _reset(self, namespace: str, owner: str | None, fields: dict[str, Any]) -> None:
        self.namespace, self.owner, self.deleted = namespace, owner, False
        self.display_name = fields.get("display_name")
        self.description = fields.get("description")
        self.visibility = fields.get("visibility", "private")
        self.protected = bool(fields.get("protected", False))
        self.definitions: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in KINDS}

    def recreate(self, owner: str | None, fields: dict[str, Any]) -> None:
        """A deleted namespace's name taken again: a new namespace under the same id."""
        if not self.deleted:
            raise AlreadyExists(f"Namespace {self.namespace} already exists")
        self._recreated(owner, fields)

    class Recreated(Entity.Event):
        owner: str | None
        fields: dict[str, Any]

    @event(Recreated)
    def _recreated(self, owner: str | None, fields: dict[str, Any]) -> None:
        self._reset(self.namespace, owner, fields)

    def check_live(self) -> None:
        if self.deleted:
            raise NotFound(f"Metadata definition namespace={self.namespace} was not found.")

    def update(self, fields: dict[str, Any]) -> None:
        self.check_live()
        changes = {k: v for k, v in fields.items()
                   if k in NAMESPACE_FIELDS and v != getattr(self, k)}
        if "visibility" in changes:
            check_visibility(changes["visibility"])
        if changes:
            self._updated(changes)

    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def _updated(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def delete(self) -> None:
        self.check_live()
        if self.protected:
            raise Forbidden(f"Namespace {self.namespace} is protected and cannot be deleted.")
        self._deleted()

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True
        self.definitions = {k: {} for k in KINDS}

    # --- definitions --------------------------------------------------------------------------

    def definition(self, kind: str, name: str) -> dict[str, Any]:
        self.check_live()
        found = self.definitions[kind].get(name)
        if found is None:
            raise NotFound(f"Metadata definition {kind[:-1]} not found: {name} in namespace "
                           f"{self.namespace}")
        return found

    def save(self, kind: str, name: str, body: dict[str, Any], replacing: str | None = None
             ) -> None:
        """Add a definition, or replace `replacing` with it (a rename when the names differ)."""
        self.check_live()
        if replacing is not None:
            self.definition(kind, replacing)
        if name in self.definitions[kind] and name != replacing:
            raise AlreadyExists(f"A {kind[:-1]} named {name} already exists in namespace "
                                f"{self.namespace}")
        self._saved(kind, name, body, replacing)

    class DefinitionSaved(Entity.Event):
        kind: str
        name: str
        body: dict[str, Any]
        replacing: str | None

    @event(DefinitionSaved)
    def _saved(self, kind: str, name: str, body: dict[str, Any], replacing: str | None) -> None:
        if replacing is not None:
            del self.definitions[kind][replacing]
        self.definitions[kind][name] = body

    def remove(self, kind: str, name: str | None = None) -> None:
        """Remove one definition, or (name None) every definition of that kind."""
        if name is not None:
            self.definition(kind, name)
        else:
            self.check_live()
        self._removed(kind, name)

    class DefinitionRemoved(Entity.Event):
        kind: str
        name: str | None

    @event(DefinitionRemoved)
    def _removed(self, kind: str, name: str | None) -> None:
        if name is None:
            self.definitions[kind] = {}
        else:
            del self.definitions[kind][name]

    def visible_to(self, project_id: str | None, is_admin: bool) -> bool:
        return not self.deleted and (is_admin or self.visibility == "public"
                                     or self.owner == project_id)
