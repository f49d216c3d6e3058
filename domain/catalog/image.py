"""Images (Glance v2): metadata, then one upload of content; files are stored by content hash."""

from __future__ import annotations

from eventsourcing.domain import event

from domain.base import Entity
from domain.errors import InvalidState

DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
VISIBILITIES = ("public", "private", "shared", "community")


class Image(Entity):
    @event("Registered")
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

    @event("Updated")
    def update(self, changes: dict[str, object]) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def upload(self, size: int, checksum: str, sha512: str, content_hash: str) -> None:
        if self.status != "queued":
            raise InvalidState(f"Image status transition from {self.status} to saving is not allowed")
        self._uploaded(size, checksum, sha512, content_hash)

    @event("Uploaded")
    def _uploaded(self, size: int, checksum: str, sha512: str, content_hash: str) -> None:
        self.size, self.checksum = size, checksum
        self.os_hash_algo, self.os_hash_value = "sha512", sha512
        self.content_hash = content_hash
        self.status = "active"

    def delete(self) -> None:
        if self.protected:
            raise InvalidState(f"Image {self.id} is protected and cannot be deleted.")
        self._deleted()

    @event("Deleted")
    def _deleted(self) -> None:
        self.deleted = True
        self.status = "deleted"

    def visible_to(self, project_id: str | None, is_admin: bool) -> bool:
        return is_admin or self.visibility in ("public", "community") or self.owner == project_id
