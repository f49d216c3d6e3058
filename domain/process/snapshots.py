"""Taking a snapshot on the worker's side: the hypervisor copies the root disk into a scratch
file, which is then streamed into the image store (named by its content hash, as uploads are)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from uuid import UUID

from domain.compute.ports import Hypervisor
from domain.ports import StoredBlob
from domain.process.ports import ImageFiles

CHUNK = 1 << 20
NO_LIMIT = 1 << 62  # the flavor's disk already bounds what a root disk can hold


class SnapshotTaker:
    def __init__(self, hypervisor: Hypervisor, blobs: ImageFiles) -> None:
        self.hypervisor, self.blobs = hypervisor, blobs

    def __call__(self, instance_id: UUID) -> StoredBlob:
        with tempfile.TemporaryDirectory(prefix="skyledger-snapshot-") as scratch:
            path = Path(scratch) / f"{instance_id}.qcow2"
            self.hypervisor.snapshot(instance_id, path)
            with path.open("rb") as file:
                return self.blobs.put(iter(lambda: file.read(CHUNK), b""), NO_LIMIT)
