"""Images (Glance v2): metadata, then one upload of content; files are stored by content hash.

Identical bytes uploaded to several images are one file. `ImageFile` (below) records which
images hold a file; it is saved in the same transaction as the upload or deletion that changes
it, so "does any image still need this file?" always has one consistent answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Entity, natural_id
from domain.errors import Forbidden, InvalidInput, InvalidState

DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
VISIBILITIES = ("public", "private", "shared", "community")

# Core attributes a PATCH may change; the other core attributes are Glance's read-only ones.
MUTABLE = ("name", "visibility", "min_disk", "min_ram", "protected", "tags", "disk_format",
           "container_format")
# Formats describe the data, so (as in Glance) they are fixed once data is uploaded.
FORMATS = ("disk_format", "container_format")
READ_ONLY = ("id", "owner", "status", "size", "virtual_size", "checksum", "os_hash_algo",
             "os_hash_value", "os_hidden", "created_at", "updated_at", "self", "file", "schema",
             "direct_url", "locations")
RESERVED = ("deleted", "deleted_at", "location")
RESERVED_PREFIX = "os_glance_"  # Glance keeps these property names for itself
MAX_PROPERTIES = 128
MAX_TAGS = 128


@dataclass(frozen=True)
class PatchOp:
    """One JSON-patch operation on a top-level attribute: add, replace or remove."""

    op: str
    attr: str
    value: Any = None


def check_settable(attr: str, creating: bool = False) -> None:
    """Read-only and reserved attributes are refused with 403, as Glance does."""
    if creating and attr in ("id", "owner"):
        return
    if attr in READ_ONLY:
        raise Forbidden(f"Attribute '{attr}' is read-only.")
    if attr in RESERVED or attr.startswith(RESERVED_PREFIX):
        raise Forbidden(f"Attribute '{attr}' is reserved.")


def check_fields(fields: dict[str, Any], properties: dict[str, str]) -> None:
    """Invariants of an image's metadata (the API checks types; this is the backstop)."""
    if "visibility" in fields and fields["visibility"] not in VISIBILITIES:
        raise InvalidInput(f"Invalid visibility value: {fields['visibility']}")
    if fields.get("disk_format") not in (None, *DISK_FORMATS):
        raise InvalidInput(f"Invalid disk format '{fields['disk_format']}' for image.")
    if fields.get("container_format") not in (None, *CONTAINER_FORMATS):
        raise InvalidInput(f"Invalid container format '{fields['container_format']}' for image.")
    if len(fields.get("tags") or ()) > MAX_TAGS:
        raise InvalidInput(f"Maximum number of tags ({MAX_TAGS}) exceeded.")
    if len(properties) > MAX_PROPERTIES:
        raise InvalidInput(f"Maximum number of properties ({MAX_PROPERTIES}) exceeded.")
    for key in properties:
        check_settable(key)


class Image(Entity):
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
        self.status = "queued"
        self.size: int | None = None
        self.checksum: str | None = None
        self.os_hash_algo: str | None = None
        self.os_hash_value: str | None = None
        self.content_hash: str | None = None
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

    def update(self, changes: dict[str, Any]) -> None:
        unknown = set(changes) - set(MUTABLE) - {"properties"}
        if unknown:
            raise InvalidInput(f"Attributes {sorted(unknown)} cannot be changed.")
        if self.status != "queued" and set(changes) & set(FORMATS):
            raise Forbidden("Disk and container formats can only be changed on a queued image.")
        check_fields(changes, changes.get("properties", self.properties))
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

    def visible_to(self, project_id: str | None, is_admin: bool) -> bool:
        return is_admin or self.visibility in ("public", "community") or self.owner == project_id


def image_file_id(content_hash: str) -> UUID:
    return natural_id("image-file", content_hash)


class ImageFile(Entity):
    """Which images hold the file with this content hash (its sha256)."""

    @staticmethod
    def create_id(content_hash: str) -> UUID:
        return image_file_id(content_hash)

    class Stored(Entity.Created):
        content_hash: str

    @event(Stored)
    def __init__(self, content_hash: str) -> None:
        self.content_hash = content_hash
        self.holders: list[str] = []

    class Held(Entity.Event):
        image_id: str

    @event(Held)
    def hold(self, image_id: str) -> None:
        self.holders.append(image_id)

    class Released(Entity.Event):
        image_id: str

    @event(Released)
    def release(self, image_id: str) -> None:
        self.holders.remove(image_id)

    @property
    def in_use(self) -> bool:
        return bool(self.holders)
