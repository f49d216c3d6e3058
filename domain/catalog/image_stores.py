"""Which stores (Glance's enabled_backends) hold copies of an image's data, and copy-image, the
import that copies an active image into more stores: the part of the Image aggregate about
stores (domain/catalog/image.py's Image is a StoredImage).

An Uploaded event alone means the `file` store, the only one before there were several; a
StoresChanged saved with it names others. A copy-image import takes the image's import lock
(`os_glance_import_task`) and lists the stores still to copy in `os_glance_importing_to_stores`;
the image import process manager copies the file into each and records each store's outcome:
done (the store joins `stores`) or failed (it joins `os_glance_failed_import`), as Glance keeps
them. The lock goes with the last store's outcome.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.catalog.image_fields import LEGACY_STORE
from domain.errors import Forbidden, InvalidInput, InvalidState, NotFound

TASK = "os_glance_import_task"
IMPORTING = "os_glance_importing_to_stores"
FAILED = "os_glance_failed_import"


def listed(value: str | None) -> list[str]:
    return [s for s in (value or "").split(",") if s]


class StoredImage(Entity):
    status: str
    properties: dict[str, str]
    stores: list[str]

    def stored_in(self, stores: list[str]) -> None:
        """Where the data just uploaded or imported went."""
        if list(stores) != self.stores:
            self._stores_changed(list(stores))

    def remove_store(self, store: str) -> None:
        """Glance's DELETE /v2/stores/{store}/{image}: one copy goes, never the last."""
        if self.status != "active":
            raise InvalidState("It's not allowed to remove image data from store if image "
                               "status is not 'active'")
        if store not in self.stores:
            raise NotFound(f"Image {self.id} is not stored in store {store}.")
        if self.stores == [store]:
            raise Forbidden("Cannot delete image data from the only store containing it. "
                            "Consider deleting the image instead.")
        self._stores_changed([s for s in self.stores if s != store])

    class StoresChanged(Entity.Event):
        stores: list[str]

    @event(StoresChanged)
    def _stores_changed(self, stores: list[str]) -> None:
        self.stores = stores

    def holds_in(self, store: str) -> bool:
        """Does this image need its file in `store`? Staged data waits in the legacy store."""
        return store in self.stores or (self.status == "uploading" and store == LEGACY_STORE)

    # --- copy-image ------------------------------------------------------------------------

    def start_copy(self, task_id: str, stores: list[str]) -> None:
        if self.status != "active":
            raise InvalidState("Only images with status active can be targeted for copying")
        if self.properties.get(TASK):
            raise InvalidState(f"Image {self.id} has an import in progress "
                               f"(task {self.properties[TASK]}).")
        present = [s for s in stores if s in self.stores]
        if present:
            raise InvalidInput(f"Image is already present at store '{present[0]}'")
        self._copy_started(task_id, list(stores), {
            **self.properties, TASK: task_id, IMPORTING: ",".join(stores), FAILED: ""})

    class CopyStarted(Entity.Event):
        task_id: str
        stores: list[str]
        properties: dict[str, str]

    @event(CopyStarted)
    def _copy_started(self, task_id: str, stores: list[str],
                      properties: dict[str, str]) -> None:
        self.properties = properties

    def copying(self, task_id: str, store: str) -> bool:
        """Is `store` still to copy for that task?"""
        return (self.properties.get(TASK) == task_id
                and store in listed(self.properties.get(IMPORTING)))

    def copying_any(self, task_id: str) -> bool:
        return self.properties.get(TASK) == task_id

    def copy_done(self, task_id: str, store: str, copied: bool) -> None:
        """One store's outcome; the lock goes with the last one."""
        if not self.copying(task_id, store):
            raise InvalidState(f"Image {self.id} is not copying to {store} for task {task_id}.")
        pending = [s for s in listed(self.properties.get(IMPORTING)) if s != store]
        failed = listed(self.properties.get(FAILED)) + ([] if copied else [store])
        properties: dict[str, Any] = {**self.properties, IMPORTING: ",".join(pending),
                                      FAILED: ",".join(failed)}
        if not pending:
            del properties[TASK]
        if copied:
            self._stores_changed([*self.stores, store])
        self._copy_recorded(task_id, store, copied, properties)

    class CopyRecorded(Entity.Event):
        task_id: str
        store: str
        copied: bool
        properties: dict[str, str]

    @event(CopyRecorded)
    def _copy_recorded(self, task_id: str, store: str, copied: bool,
                       properties: dict[str, str]) -> None:
        self.properties = properties

    @property
    def copy_failures(self) -> list[str]:
        return listed(self.properties.get(FAILED))
