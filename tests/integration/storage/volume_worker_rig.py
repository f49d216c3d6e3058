"""What the volume worker's tests share: a composed cloud (SQLite or PostgreSQL) whose volumes
go to host `vol-host`, with a second image store `cheap` beside `file`, a backend with a pool of
its own, and a worker driven step by step (the `rig` fixture of storage/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import libvirt

from adapters.positions import ProcessPositions
from adapters.storage.backup_files import FileBackupStore
from adapters.storage.libvirt_volumes import LibvirtVolumeBackend
from domain.context import RequestContext
from domain.process.storage.worker import VolumeWorker, VolumeWorkerConfig
from domain.quota.ledger import ledger_id
from domain.services.storage.volumes import VolumeRequest, VolumeService
from domain.storage.volume import Volume
from ops.bootstrap import Cloud, build
from tests.support.settings import make_settings

HOST = "vol-host"
USER = RequestContext(user_id="u1", project_id="p1", roles=("member", "reader"))
ADMIN = RequestContext(user_id="admin-user", project_id="p-admin", roles=("admin", "member"))


@dataclass
class Rig:
    cloud: Cloud
    backend: LibvirtVolumeBackend
    workers: list[VolumeWorker] = field(default_factory=list)

    @property
    def app(self) -> Any:
        return self.cloud.app

    def worker(self, host: str = HOST, backend: LibvirtVolumeBackend | None = None
               ) -> VolumeWorker:
        """A new worker, from the position its host's last worker saved."""
        made = VolumeWorker(self.app, backend or self.backend, self.cloud.volumes,
                            ProcessPositions(self.cloud.store),
                            self.cloud.image_stores.reader(),  # as ops/bootstrap gives it
                            VolumeWorkerConfig(host=host), backups=self.backups)
        self.workers.append(made)
        return made

    @property
    def backups(self) -> FileBackupStore:
        """The backup store of the rig's host, under the cloud's data directory."""
        return FileBackupStore(self.cloud.settings.data_dir / "backups")

    def create(self, size: int = 1, image: str | None = None, host: str = HOST) -> UUID:
        service = self.cloud.volumes if host == HOST else VolumeService(self.app, host=host)
        return service.create(USER, VolumeRequest(size=size, image_ref=image)).id

    def volume(self, volume_id: UUID) -> Volume:
        found: Volume = self.app.repository.get(volume_id)
        return found

    def events(self, aggregate_id: UUID) -> list[str]:
        return [type(e).__name__ for e in self.app.repository.event_store.get(aggregate_id)]

    def used(self) -> dict[str, int]:
        ledger = self.app.find(ledger_id(str(USER.project_id)))
        return {r: ledger.used(r) if ledger else 0 for r in ("volumes", "gigabytes")}

    def upload_image(self, path: Path, disk_format: str = "qcow2", store: str = "file") -> str:
        images = self.cloud.images
        image = images.register(ADMIN, None, path.name, "p-admin", "public", disk_format,
                                "bare")
        self.cloud.image_data.upload(ADMIN, image.id, iter([path.read_bytes()]),
                                     self.cloud.image_stores.get(store), 1 << 30, store=store)
        return str(image.id.hex)

    def content_hash(self, image: str) -> str:
        return str(self.cloud.images.get(ADMIN, UUID(image)).content_hash)

    def pool(self) -> libvirt.virStoragePool:
        return self.backend._pool  # what libvirt itself holds, to change it behind our back

    def remove_behind_our_back(self, volume_id: UUID) -> None:
        self.pool().storageVolLookupByName(str(volume_id)).delete(0)

    def in_pool(self) -> set[UUID]:
        return set(self.backend.list_volumes())


def make_rig(database_url: str, tmp_path: Path, backend: LibvirtVolumeBackend) -> Iterator[Rig]:
    cloud = build(make_settings(tmp_path / "data", database_url, host=HOST,
                                image_stores="cheap:cheap-images"), follow=False)
    rig = Rig(cloud, backend)
    try:
        yield rig
    finally:
        cloud.close()

