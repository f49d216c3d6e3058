"""What the process managers need besides the hypervisor: small backends, implemented in
adapters/."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol
from uuid import UUID

from domain.backends import StoredBlob


class PositionStore(Protocol):
    """Where a process manager keeps how far it has followed the notification log."""

    def get(self, name: str) -> int: ...

    def save(self, name: str, position: int) -> None:
        """Record `position` for `name`; a position never moves backwards."""


class ConsoleSink(Protocol):
    """Where a worker records its guests' console output for the API to read
    (domain/services/compute/consoles.py: as Console events)."""

    def write(self, instance_id: UUID, host: str, text: str) -> None: ...

    def remove(self, instance_id: UUID, host: str) -> None:
        """Drop the text if `host` wrote it last."""


class ImageFiles(Protocol):
    """Image files by content hash, as this host sees them (adapters/image_stores.py's
    HostImageFiles: any store holding the file), and where the host's server snapshots go."""

    def path(self, content_hash: str) -> str: ...

    def exists(self, content_hash: str) -> bool: ...

    def check_format(self, content_hash: str, disk_format: str) -> None:
        """Raise domain.backends.FormatMismatch when the file is not a safe
        `disk_format` disk: the host checks again what the image service checked on upload."""

    def put_file(self, name: str, fill: Callable[[Path], None]) -> StoredBlob:
        """Store the file that `fill` writes at the path it is given (in a scratch place of the
        adapter's choosing, removed afterwards), by its content hash."""


class WebSource(Protocol):
    """Where a web-download import fetches its data (adapters/web_source.py)."""

    def chunks(self, uri: str) -> Iterator[bytes]:
        """The bytes at `uri`, in chunks; domain.backends.DownloadFailed when they cannot be
        had (no answer, a status other than 200, a redirect the import filter refuses)."""


class VifPlugger(Protocol):
    """Makes sure the bridges a guest's NICs join exist before the guest starts, as Nova's os-vif
    linux-bridge plugin does: the hypervisor refuses to start a guest whose bridge is missing,
    and the network agent, which enslaves the segment interface and serves DHCP on the bridge,
    may act on the same instance a moment later. An empty bridge is harmless: the agent adopts it.
    """

    def plug(self, bridges: Sequence[str]) -> None: ...


class NoVifPlugging:
    """For hypervisors without host networking (libvirt's test driver)."""

    def plug(self, bridges: Sequence[str]) -> None:
        return None
