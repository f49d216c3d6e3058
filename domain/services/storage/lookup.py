"""Loading volumes and instances as a caller may see them (another project's are not found)."""

from __future__ import annotations

from uuid import UUID

from domain.app import SkyLedger
from domain.compute.instance import Instance
from domain.context import RequestContext
from domain.errors import NotFound
from domain.storage.volume import Volume


def as_uuid(value: UUID | str) -> UUID | None:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        return None


def live(app: SkyLedger, ref: UUID | str, kind: type) -> object | None:
    """The aggregate of that kind, unless it never existed or is deleted."""
    key = as_uuid(ref)
    found = app.find(key) if key is not None else None
    return found if isinstance(found, kind) and not getattr(found, "deleted", False) else None


class Lookup:
    app: SkyLedger

    def volume(self, ctx: RequestContext, volume_id: UUID | str) -> Volume:
        volume = live(self.app, volume_id, Volume)
        if not isinstance(volume, Volume) or (volume.project_id != ctx.project_id
                                              and not ctx.is_admin):
            raise NotFound(f"Volume {volume_id} could not be found.")
        return volume

    def server(self, ctx: RequestContext, server_id: UUID | str) -> Instance:
        instance = live(self.app, server_id, Instance)
        if not isinstance(instance, Instance) or (instance.project_id != ctx.project_id
                                                  and not ctx.is_admin):
            raise NotFound(f"Instance {server_id} could not be found.")
        return instance

    def attached_instance(self, server_id: str | None) -> Instance | None:
        """The live instance a volume is (being) attached to, to free its device."""
        found = live(self.app, server_id, Instance) if server_id else None
        return found if isinstance(found, Instance) else None
