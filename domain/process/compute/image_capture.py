"""Taking a snapshot on the worker's side: the hypervisor copies the root disk into a file the
image store provides, which the store then keeps under its content hash, as it keeps uploads."""

from __future__ import annotations

from uuid import UUID

from domain.backends import StoredBlob
from domain.compute.backends import Hypervisor
from domain.process.backends import ImageFiles


class SnapshotTaker:
    def __init__(self, hypervisor: Hypervisor, blobs: ImageFiles) -> None:
        self.hypervisor, self.blobs = hypervisor, blobs

    def __call__(self, instance_id: UUID) -> StoredBlob:
        return self.blobs.put_file(f"{instance_id}.qcow2",
                                   lambda path: self.hypervisor.snapshot(instance_id, path))
