"""Content-addressed files (images, later snapshots): the file's name is its sha256.

An upload is first staged (streamed to a temporary file while hashed), then published under its
hash, or discarded. Publishing and removing happen under a per-hash `flock`, which is what lets
the image service decide "does anyone still hold this file?" without racing an upload of the
same bytes (see domain/services/images.py). flock locks belong to an open file, so they exclude
threads of one process as well as other processes on this host.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from adapters.format_inspector import OsloFormatInspector
from domain.backends import BlobTooLarge, StoredBlob
from domain.services.images import StagedBlob

CHUNK = 1 << 20
NO_LIMIT = 1 << 62


class FileBlobStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, content_hash: str) -> str:
        return str(self.root / content_hash[:2] / content_hash)

    def stage(self, chunks: Iterator[bytes], max_size: int) -> StagedBlob:
        """Write the chunks to a temporary file, hashing as they pass; refuse past max_size."""
        sha256, md5, sha512 = hashlib.sha256(), hashlib.md5(), hashlib.sha512()  # noqa: S324
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > max_size:
                        raise BlobTooLarge(f"Image exceeds the storage quota of {max_size} bytes.")
                    for h in (sha256, md5, sha512):
                        h.update(chunk)
                    out.write(chunk)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        blob = StoredBlob(sha256.hexdigest(), size, md5.hexdigest(), sha512.hexdigest())
        return StagedBlob(blob, tmp)

    def stage_from(self, staged: StagedBlob) -> StagedBlob:
        """A copy of a file staged in another store, staged here (hashed again as it passes)."""
        with open(staged.path, "rb") as data:
            return self.stage(iter(lambda: data.read(CHUNK), b""), NO_LIMIT)

    def publish(self, staged: StagedBlob) -> None:
        """Name the staged file by its hash. Same content, same name: replacing changes nothing."""
        final = Path(self.path(staged.blob.content_hash))
        final.parent.mkdir(exist_ok=True)
        os.replace(staged.path, final)

    def discard(self, staged: StagedBlob) -> None:
        Path(staged.path).unlink(missing_ok=True)

    def remove(self, content_hash: str) -> None:
        Path(self.path(content_hash)).unlink(missing_ok=True)

    def exists(self, content_hash: str) -> bool:
        return Path(self.path(content_hash)).is_file()

    def check_format(self, content_hash: str, disk_format: str) -> None:
        OsloFormatInspector().check(self.path(content_hash), disk_format)

    @contextmanager
    def locked(self, content_hash: str) -> Iterator[None]:
        # One lock file per hash prefix: at most 256 of them, never removed, so a lock file
        # cannot vanish between one holder's open and another's flock.
        directory = self.root / content_hash[:2]
        directory.mkdir(exist_ok=True)
        with open(directory / ".lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def put(self, chunks: Iterator[bytes], max_size: int) -> StoredBlob:
        """Stage and publish in one step (for callers that need no reference bookkeeping)."""
        staged = self.stage(chunks, max_size)
        try:
            with self.locked(staged.blob.content_hash):
                self.publish(staged)
        finally:
            self.discard(staged)
        return staged.blob

    def put_file(self, name: str, fill: Callable[[Path], None]) -> StoredBlob:
        """A file another tool writes (a hypervisor's copy of a disk), taken in by its content
        hash: `fill` writes it as `name` in a scratch directory that is removed afterwards."""
        with tempfile.TemporaryDirectory(prefix="skyledger-snapshot-") as scratch:
            path = Path(scratch) / name
            fill(path)
            with path.open("rb") as file:
                # No limit of its own: the flavor's disk already bounds what a root disk holds.
                return self.put(iter(lambda: file.read(CHUNK), b""), NO_LIMIT)

    def open(self, content_hash: str) -> BinaryIO:
        return open(self.path(content_hash), "rb")  # noqa: SIM115 - the caller streams and closes
