"""Images (Glance v2): metadata, then one upload (or a stage and an import) of content.

Files are stored by content hash; `domain.catalog.image_file.ImageFile` records which images
hold one. Status follows Glance: queued -> active on upload; queued -> uploading (staged) ->
active on import; active <-> deactivated by the owner or an admin; killed when the uploaded
bytes are not what `disk_format` says (see domain/services/image_data.py). Members (the projects
a shared image is offered to) are events of the image, so "only the owner adds members" and
"only the member answers" are checked against one consistent state (image_members.py).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity
from domain.catalog.image_fields import (
    ADMIN_ONLY,
    EMPTY_MD5,
    EMPTY_SHA512,
    FORMATS,
    IMPORT_PROPERTIES,
    LEGACY_STORE,
    MUTABLE,
    PatchOp,
    check_fields,
    check_settable,
)
from domain.catalog.image_members import (
    Members,
    check_addable,
    check_answerer,
    check_member,
    check_status,
)
from domain.catalog.image_stores import FAILED, IMPORTING, StoredImage, joined, listed
from domain.errors import Forbidden, InvalidInput, InvalidState


class Image(StoredImage):
    # The stores' events are StoredImage's: eventsourcing redefines them as Image.StoresChanged
    # etc., but those carry a topic no stored event has. Follow StoredImage.StoresChanged.
    class Registered(Entity.Created):
        name: str | None
        owner: str
        visibility: str
        disk_format: str | None
        container_format: str | None
        min_disk: int
        min_ram: int
        protected: bool
        tags: list[str]
        properties: dict[str, str]

    @event(Registered)
    def __init__(
        self,
        name: str | None,
        owner: str,
        visibility: str,
        disk_format: str | None,
        container_format: str | None,
        min_disk: int,
        min_ram: int,
        protected: bool,
        tags: list[str],
        properties: dict[str, str],
        id: UUID | None = None,  # noqa: A002 - Glance lets the creator choose the id; None: a uuid4
    ) -> None:
        self.name, self.owner, self.visibility = name, owner, visibility
        self.disk_format, self.container_format = disk_format, container_format
        self.min_disk, self.min_ram, self.protected = min_disk, min_ram, protected
        self.tags, self.properties = tags, properties
        self.os_hidden = False  # set by an Updated event saved with the registration
        self.status = "queued"
        self.size: int | None = None
        self.checksum: str | None = None
        self.os_hash_algo: str | None = None
        self.os_hash_value: str | None = None
        self.content_hash: str | None = None
        self.staged: dict[str, Any] | None = None  # a staged file's size and hashes
        self.members: Members = {}
        self.stores: list[str] = []  # the stores holding a copy of the data (see stored_in)
        self.deleted = False

    def changes_for(self, ops: list[PatchOp]) -> dict[str, Any]:
        """What a JSON patch changes, applied in order to the current state."""
        core: dict[str, Any] = {k: getattr(self, k) for k in MUTABLE}
        props = dict(self.properties)
        for op in ops:
            check_settable(op.attr)
            if op.attr in MUTABLE:
                if op.op == "remove":
                    raise Forbidden(f"Attribute '{op.attr}' cannot be removed.")
                core[op.attr] = op.value
            elif op.op != "add" and op.attr not in props:
                raise InvalidState(f"Property {op.attr} does not exist.")
            elif op.op == "remove":
                del props[op.attr]
            else:
                props[op.attr] = op.value
        changes = {k: v for k, v in core.items() if v != getattr(self, k)}
        if props != self.properties:
            changes["properties"] = props
        return changes

    def update(self, changes: dict[str, Any], is_admin: bool = False) -> None:
        unknown = set(changes) - set(MUTABLE) - {"properties"}
        if unknown:
            raise InvalidInput(f"Attributes {sorted(unknown)} cannot be changed.")
        for attr in set(changes) & set(ADMIN_ONLY):
            if not is_admin:
                raise Forbidden(f"You are not permitted to modify '{attr}' on this image.")
        if self.status != "queued" and set(changes) & set(FORMATS):
            raise Forbidden("Disk and container formats can only be changed on a queued image.")
        check_fields(changes, changes.get("properties", self.properties), self.properties)
        if changes:
            self._updated(changes)

    class Updated(Entity.Event):
        changes: dict[str, Any]

    @event(Updated)
    def _updated(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def check_uploadable(self) -> None:
        if self.status != "queued":
            raise InvalidState(
                f"Image status transition from {self.status} to saving is not allowed")
        if self.disk_format is None or self.container_format is None:
            raise InvalidInput("Properties disk_format, container_format must be set prior to "
                               "saving data.")

    def upload(self, size: int, checksum: str, sha512: str, content_hash: str) -> None:
        self.check_uploadable()
        self._uploaded(size, checksum, sha512, content_hash)

    class Uploaded(Entity.Event):
        size: int
        checksum: str
        sha512: str
        content_hash: str

    @event(Uploaded)
    def _uploaded(self, size: int, checksum: str, sha512: str, content_hash: str) -> None:
        self.size, self.checksum = size, checksum
        self.os_hash_algo, self.os_hash_value = "sha512", sha512
        self.content_hash = content_hash
        self.staged = None
        self.status = "active"
        self.stores = [LEGACY_STORE]  # a StoresChanged saved with it names others

    def activate_empty(self) -> None:
        """Active with no data (size 0): what Nova makes of a volume-backed server's snapshot,
        uploading empty data. No file is stored for it (content_hash ""), so none is held."""
        self.check_uploadable()
        self._uploaded(0, EMPTY_MD5, EMPTY_SHA512, "")

    # --- interoperable import: stage the data, then import it ---------------------------------

    def stage(self, size: int, checksum: str, sha512: str, content_hash: str) -> None:
        self.check_uploadable()
        self._staged(size, checksum, sha512, content_hash)

    class Staged(Entity.Event):
        size: int
        checksum: str
        sha512: str
        content_hash: str

    @event(Staged)
    def _staged(self, size: int, checksum: str, sha512: str, content_hash: str) -> None:
        self.staged = {"size": size, "checksum": checksum, "sha512": sha512}
        self.content_hash = content_hash  # held by its ImageFile from now on
        self.status = "uploading"

    def check_importable(self, method: str) -> None:
        if method == "glance-direct" and self.status != "uploading":
            raise InvalidState(f"Image {self.id} is not staged (status {self.status}): "
                               "stage its data with PUT /v2/images/{id}/stage first.")
        if method == "copy-image" and self.status != "active":
            raise InvalidState(f"Image {self.id} is not active (status {self.status}): "
                               "only active images can be copied.")

    def import_staged(self) -> None:
        """glance-direct: the staged data becomes the image's data."""
        self.check_importable("glance-direct")
        staged, content_hash = self.staged or {}, self.content_hash or ""
        self._uploaded(staged["size"], staged["checksum"], staged["sha512"], content_hash)

    def mark_imported(self, failed: list[str] | None = None) -> None:
        """Glance's own record that an import is over (os_glance_* properties): `failed`, the
        stores it could not reach."""
        done = {**self.properties, **dict.fromkeys(IMPORT_PROPERTIES, ""),
                FAILED: joined(failed or [])}
        if done != self.properties:
            self._updated({"properties": done})

    def start_download(self, task_id: str, uri: str, stores: str) -> None:
        """Glance's web-download: queued -> importing, the import task holding the image's
        lock until the image import process manager records the download's outcome."""
        if self.status != "queued":
            raise InvalidState(f"Image status transition from {self.status} to importing is "
                               "not allowed")
        self.check_uploadable()
        self._download_started(task_id, uri, {
            **self.properties, "os_glance_import_task": task_id,
            "os_glance_importing_to_stores": stores, "os_glance_failed_import": ""})

    class DownloadStarted(Entity.Event):
        task_id: str
        uri: str
        properties: dict[str, str]

    @event(DownloadStarted)
    def _download_started(self, task_id: str, uri: str, properties: dict[str, str]) -> None:
        self.status, self.properties = "importing", properties

    def downloading(self, task_id: str) -> bool:  # still waiting for that task's download
        return (self.status == "importing"
                and self.properties.get("os_glance_import_task") == task_id)

    def _check_downloading(self, task_id: str) -> dict[str, str]:
        if not self.downloading(task_id):
            raise InvalidState(f"Image {self.id} is not importing for task {task_id}.")
        return {k: v for k, v in self.properties.items() if k != "os_glance_import_task"}

    def finish_download(self, task_id: str, blob: dict[str, Any], stores: list[str],
                        failed: list[str]) -> None:
        """The data arrived, passed inspection and is in `stores` (`failed`: the stores it
        could not go to, when not all had to): active, the lock released."""
        done = self._check_downloading(task_id)
        self._uploaded(blob["size"], blob["checksum"], blob["sha512"], blob["content_hash"])
        self.stored_in(stores)
        self._updated({"properties": {**done, **dict.fromkeys(IMPORT_PROPERTIES, ""),
                                      FAILED: joined(failed)}})

    @property
    def importing_to(self) -> list[str]:
        return listed(self.properties.get(IMPORTING))

    def fail_download(self, task_id: str, reason: str) -> None:
        """Back to queued, the stores that failed in os_glance_failed_import (as Glance)."""
        done = self._check_downloading(task_id)
        failed = self.properties.get("os_glance_importing_to_stores", "")
        self._download_failed(task_id, reason, {
            **done, "os_glance_importing_to_stores": "", "os_glance_failed_import": failed})

    class DownloadFailed(Entity.Event):
        task_id: str
        reason: str
        properties: dict[str, str]

    @event(DownloadFailed)
    def _download_failed(self, task_id: str, reason: str, properties: dict[str, str]) -> None:
        self.status, self.properties = "queued", properties

    # --- refused data, deactivation ------------------------------------------------------------

    def kill(self, reason: str) -> None:
        if self.status not in ("queued", "uploading"):
            raise InvalidState(f"Image {self.id} in status {self.status} cannot be killed.")
        self._killed(reason)

    class Killed(Entity.Event):
        reason: str

    @event(Killed)
    def _killed(self, reason: str) -> None:
        self.status, self.staged, self.content_hash = "killed", None, None

    def deactivate(self) -> None:
        if self.status == "deactivated":
            return
        if self.status != "active":
            raise Forbidden(f"Not allowed to deactivate image in status '{self.status}'")
        self._deactivated()

    class Deactivated(Entity.Event):
        pass

    @event(Deactivated)
    def _deactivated(self) -> None:
        self.status = "deactivated"

    def reactivate(self) -> None:
        if self.status == "active":
            return
        if self.status != "deactivated":
            raise Forbidden(f"Not allowed to reactivate image in status '{self.status}'")
        self._reactivated()

    class Reactivated(Entity.Event):
        pass

    @event(Reactivated)
    def _reactivated(self) -> None:
        self.status = "active"

    def delete(self) -> None:
        if self.protected:
            raise Forbidden(f"Image {self.id} is protected and cannot be deleted.")
        self._deleted()

    class Deleted(Entity.Event):
        pass

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True
        self.status = "deleted"

    # --- sharing ----------------------------------------------------------------------------

    def add_member(self, member_id: str) -> None:
        check_addable(str(self.id), self.visibility, self.members, member_id)
        self._member_added(member_id)

    class MemberAdded(Entity.Event):
        member_id: str

    @event(MemberAdded)
    def _member_added(self, member_id: str) -> None:
        self.members[member_id] = "pending"

    def answer(self, member_id: str, status: str, caller_project: str | None) -> None:
        check_member(str(self.id), self.members, member_id)
        check_answerer(member_id, caller_project)
        if self.members[member_id] != check_status(status):
            self._member_answered(member_id, status)

    class MemberAnswered(Entity.Event):
        member_id: str
        status: str

    @event(MemberAnswered)
    def _member_answered(self, member_id: str, status: str) -> None:
        self.members[member_id] = status

    def remove_member(self, member_id: str) -> None:
        check_member(str(self.id), self.members, member_id)
        self._member_removed(member_id)

    class MemberRemoved(Entity.Event):
        member_id: str

    @event(MemberRemoved)
    def _member_removed(self, member_id: str) -> None:
        del self.members[member_id]

    def visible_to(self, project_id: str | None, is_admin: bool) -> bool:
        return (is_admin or self.visibility in ("public", "community") or self.owner == project_id
                or (self.visibility == "shared" and project_id in self.members))
