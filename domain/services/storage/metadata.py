"""Volume and snapshot metadata (Cinder's /volumes/{id}/metadata and /snapshots/{id}/metadata):
merged, replaced or cut item by item on the aggregate itself, so two concurrent requests cannot
lose each other's items (the second conflicts on the aggregate's version and reruns on fresh
state, `@command`), as ActionService.set_metadata does for servers."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from domain.app import SkyLedger
from domain.commands import command
from domain.context import RequestContext
from domain.errors import NotFound
from domain.services.storage.lookup import Lookup
from domain.services.storage.snapshots import VolumeSnapshotService
from domain.storage.snapshot import Snapshot
from domain.storage.volume import Volume

Kind = Literal["volume", "snapshot"]


class StorageMetadata(Lookup):
    def __init__(self, app: SkyLedger) -> None:
        self.app = app
        self.snapshots = VolumeSnapshotService(app)

    def target(self, ctx: RequestContext, kind: Kind, ref: UUID | str) -> Volume | Snapshot:
        return self.volume(ctx, ref) if kind == "volume" else self.snapshots.snapshot(ctx, ref)

    @command
    def set_metadata(self, ctx: RequestContext, kind: Kind, ref: UUID | str,
                     items: dict[str, str], replace: bool = False) -> dict[str, str]:
        """`items` merged into the metadata (Cinder's create and one-item update), or
        (`replace`) all of it; returns the metadata after."""
        found = self.target(ctx, kind, ref)
        metadata = dict(items) if replace else {**found.metadata, **items}
        if metadata != found.metadata:
            found.update({"metadata": metadata})
            self.app.save(found)
        return metadata

    @command
    def delete_metadata_item(self, ctx: RequestContext, kind: Kind, ref: UUID | str,
                             key: str) -> None:
        found = self.target(ctx, kind, ref)
        if key not in found.metadata:
            raise NotFound(f"{kind.capitalize()} {ref} has no metadata with key {key}.")
        found.update({"metadata": {k: v for k, v in found.metadata.items() if k != key}})
        self.app.save(found)
