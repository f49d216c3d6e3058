"""What the compute worker needs besides the hypervisor: small ports, implemented in adapters/."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID


class PositionStore(Protocol):
    """Where a process manager keeps how far it has followed the notification log."""

    def get(self, name: str) -> int: ...

    def save(self, name: str, position: int) -> None:
        """Record `position` for `name`; a position never moves backwards."""


class ConsoleSink(Protocol):
    """Where a worker publishes its guests' console output for the API to read."""

    def write(self, instance_id: UUID, host: str, text: str) -> None: ...

    def remove(self, instance_id: UUID, host: str) -> None:
        """Drop the row if `host` wrote it last."""


class ImageFiles(Protocol):
    """Image files by content hash, as this host sees them (adapters.blobs.FileBlobStore)."""

    def path(self, content_hash: str) -> str: ...

    def exists(self, content_hash: str) -> bool: ...
