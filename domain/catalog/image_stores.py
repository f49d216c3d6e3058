"""Which stores (Glance's enabled_backends) hold copies of an image's data, and copy-image, the
import that copies an active image into more stores: the part of the Image aggregate about
stores (domain/catalog/image.py's Image is a StoredImage).

An Uploaded event alone means the `file` store, the only one before there were several; a
StoresChanged saved with it names others. A copy-image import takes the image's import lock
(`os_glance_import_task`) and lists the stores still to copy in `os_glance_importing_to_stores`;
the image import process manager copies the file into each and records each store's outcome:
done (the store joins `stores`) or failed (it joins `os_glance_failed_import`), as Glance keeps
them. The lock goes with the last store's outcome. When all_stores_must_succeed (the default),
a failure ends the import as Glance's flow reverts (glance/async_/flows/api_image_import.py,
_ImportToStore.revert): the stores this import copied to leave `stores` again, those not tried
yet leave `os_glance_importing_to_stores`, and the lock goes.
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


def joined(stores: set[str] | list[str]) -> str:
    """As Glance writes its store lists (merge_store_list): sorted, comma-separated."""
    return ",".join(sorted(set(stores)))


class StoredImage(Entity):
    status: str
    properties: dict[str, str]
    stores: list[str]
    copy_targets: list[str]  # the stores of the latest copy-image import

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
        # As Glance at the start of an import: these stores are importing, and no longer
        # failed from an earlier one (others' failures stay listed).
        failed = set(listed(self.properties.get(FAILED))) - set(stores)
        self._copy_started(task_id, list(stores), {
            **self.properties, TASK: task_id, IMPORTING: joined(stores), FAILED: joined(failed)})

    class CopyStarted(Entity.Event):
        task_id: str
        stores: list[str]
        properties: dict[str, str]

    @event(CopyStarted)
    def _copy_started(self, task_id: str, stores: list[str],
                      properties: dict[str, str]) -> None:
        self.properties = properties
        self.copy_targets = stores

    def copying(self, task_id: str, store: str) -> bool:
        """Is `store` still to copy for that task?"""
        return (self.properties.get(TASK) == task_id
                and store in listed(self.properties.get(IMPORTING)))

    def copying_any(self, task_id: str) -> bool:
        return self.properties.get(TASK) == task_id

    def copy_done(self, task_id: str, store: str) -> None:
        """`store` has its copy; the lock goes with the last store's outcome."""
        self._check_copying(task_id, store)
        pending = [s for s in listed(self.properties.get(IMPORTING)) if s != store]
        self._stores_changed([*self.stores, store])
        self._copy_recorded(task_id, store, True, self._progress(pending, []))

    def copy_failed(self, task_id: str, store: str, revert: bool) -> list[str]:
        """The copy into `store` failed: it joins os_glance_failed_import. With `revert`
        (all_stores_must_succeed), the import ends: the stores it copied to leave `stores`
        (returned, for their files to go), the ones not tried yet stop importing."""
        self._check_copying(task_id, store)
        pending = [] if revert else [
            s for s in listed(self.properties.get(IMPORTING)) if s != store]
        reverted = [s for s in self.copy_targets if s in self.stores] if revert else []
        if reverted:
            self._stores_changed([s for s in self.stores if s not in reverted])
        self._copy_recorded(task_id, store, False, self._progress(pending, [store]))
        return reverted

    def _check_copying(self, task_id: str, store: str) -> None:
        if not self.copying(task_id, store):
            raise InvalidState(f"Image {self.id} is not copying to {store} for task {task_id}.")

    def _progress(self, pending: list[str], failed: list[str]) -> dict[str, str]:
        properties: dict[str, Any] = {
            **self.properties, IMPORTING: joined(pending),
            FAILED: joined([*listed(self.properties.get(FAILED)), *failed])}
        if not pending:
            del properties[TASK]
        return properties

    class CopyRecorded(Entity.Event):
        task_id: str
        store: str
        copied: bool
        properties: dict[str, str]

    @event(CopyRecorded)
    def _copy_recorded(self, task_id: str, store: str, copied: bool,
                       properties: dict[str, str]) -> None:
        self.properties = properties
