"""Content-addressed files (images, later snapshots): the file's name is its sha256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from domain.errors import InvalidInput
from domain.ports import StoredBlob


class BlobTooLarge(InvalidInput):
    pass


class FileBlobStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, content_hash: str) -> str:
        return str(self.root / content_hash[:2] / content_hash)

    def put(self, chunks: Iterator[bytes], max_size: int) -> StoredBlob:
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
            final = Path(self.path(sha256.hexdigest()))
            final.parent.mkdir(exist_ok=True)
            # Same content, same name: a second upload of identical bytes replaces nothing new.
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return StoredBlob(sha256.hexdigest(), size, md5.hexdigest(), sha512.hexdigest())

    def open(self, content_hash: str) -> BinaryIO:
        return open(self.path(content_hash), "rb")  # noqa: SIM115 - the caller streams and closes
