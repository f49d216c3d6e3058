"""Group type commands (administrators only, by policy): create, update, delete, and the group
specs. A name is claimed with its type and released with it or when renamed, in the same save.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import AlreadyExists, NotFound
from domain.naming_service import claim_name, release_name
from domain.services.storage.lookup import live
from domain.storage.group_type import GroupType

KIND = "group-type"


class GroupTypeService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    def get(self, ref: str | UUID) -> GroupType:
        found = live(self.app, ref, GroupType)
        if not isinstance(found, GroupType):
            raise NotFound(f"Group type with id {ref} could not be found.")
        return found

    def _claim(self, name: str, owner: UUID) -> Any:
        try:
            return claim_name(self.app, KIND, "", name, owner)
        except AlreadyExists:
            raise AlreadyExists(f"Group Type {name} already exists.") from None

    @command
    def create(self, ctx: RequestContext, name: str, description: str | None = None,
               is_public: bool = True, group_specs: dict[str, str] | None = None) -> GroupType:
        gtype = GroupType(name, description, is_public, dict(group_specs or {}))
        self.app.save(gtype, self._claim(name, gtype.id))
        return gtype

    @command
    def update(self, ctx: RequestContext, type_id: str, changes: dict[str, Any]) -> GroupType:
        gtype = self.get(type_id)
        different = {k: v for k, v in changes.items() if getattr(gtype, k) != v}
        if not different:
            return gtype
        saved: list[Any] = [gtype]
        if "name" in different:
            saved += [self._claim(different["name"], gtype.id),
                      release_name(self.app, KIND, "", gtype.name, gtype.id)]
        gtype.update(different)
        self.app.save(*changed(*saved))
        return gtype

    @command
    def delete(self, ctx: RequestContext, type_id: str) -> None:
        gtype = self.get(type_id)
        gtype.delete()
        self.app.save(*changed(gtype, release_name(self.app, KIND, "", gtype.name, gtype.id)))

    @command
    def set_specs(self, ctx: RequestContext, type_id: str, specs: dict[str, str]) -> GroupType:
        gtype = self.get(type_id)
        gtype.set_specs(specs)
        self.app.save(gtype)
        return gtype

    @command
    def unset_spec(self, ctx: RequestContext, type_id: str, key: str) -> GroupType:
        gtype = self.get(type_id)
        gtype.unset_spec(key)
        self.app.save(gtype)
        return gtype
