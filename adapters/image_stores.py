"""Glance's `enabled_backends`: the image stores, each a directory of content-addressed files
(adapters/blobs.py). The `file` store is `<data dir>/images`, where images always were and
where compute hosts read them; `SKYLEDGER_IMAGE_STORES` adds more (`id:directory,...`) and
`SKYLEDGER_DEFAULT_IMAGE_STORE` picks the one uploads go to when they name none. Compute and
storage hosts read an image from whichever store holds it (`HostImageFiles`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapters.blobs import CHUNK, FileBlobStore
from domain.backends import StoredBlob
from domain.catalog.image_fields import LEGACY_STORE
from domain.errors import InvalidInput


def parse_stores(text: str, data_dir: Path) -> dict[str, Path]:
    """`id:directory` pairs, comma-separated; a relative directory is under the data dir."""
    stores = {LEGACY_STORE: data_dir / "images"}
    for item in filter(None, (part.strip() for part in text.split(","))):
        store_id, sep, directory = item.partition(":")
        if not sep or not store_id or not directory or store_id.startswith("os_glance_"):
            raise ValueError(f"image store {item!r}: expected id:directory")
        if store_id in stores:
            raise ValueError(f"image store {store_id!r} is named twice")
        stores[store_id] = data_dir / directory
    return stores


class ImageStores:
    """The stores by id; `multiple` is False when only the `file` store is configured."""

    def __init__(self, legacy: FileBlobStore, dirs: dict[str, Path], default: str) -> None:
        if default not in dirs:
            raise ValueError(f"default image store {default!r} is not one of {sorted(dirs)}")
        self.default, self.dirs = default, dirs
        self.stores = {sid: legacy if sid == LEGACY_STORE else FileBlobStore(path)
                       for sid, path in dirs.items()}

    @property
    def multiple(self) -> bool:
        return len(self.stores) > 1

    @property
    def ids(self) -> list[str]:
        return list(self.stores)

    def get(self, store_id: str) -> FileBlobStore:
        """The store named by a request: Glance's 400 for one it does not have."""
        store = self.stores.get(store_id)
        if store is None:
            raise InvalidInput(f"Store for identifier {store_id} not found")
        return store

    def all(self) -> list[tuple[str, FileBlobStore]]:
        return list(self.stores.items())

    def reader(self) -> HostImageFiles:
        return HostImageFiles(self)

    def listing(self, detail: bool = False) -> list[dict[str, Any]]:
        """GET /v2/info/stores (and /detail, with each store's type and properties)."""
        rows = []
        for sid in self.stores:
            named = "" if sid == LEGACY_STORE else f" ({sid})"
            row: dict[str, Any] = {"id": sid,
                                   "description": f"Image files stored by content hash{named}"}
            if sid == self.default:
                row["default"] = True
            if detail:
                row.update(type="file", weight=0, properties={
                    "data_dir": str(self.dirs[sid]), "chunk_size": CHUNK,
                    "thin_provisioning": False})
            rows.append(row)
        return rows


class HostImageFiles:
    """Image files as a compute or storage host reads them (domain.process.backends.ImageFiles):
    from any store that holds the file, as Nova boots from any location Glance has for an image.
    Files are named by their content, so every store's copy is the same bytes (and the host
    checks the file's format again before it boots from it). The `file` store is looked at
    first, then the others as configured. Server snapshots are written to the `file` store,
    which is what their Uploaded event records."""

    def __init__(self, stores: ImageStores) -> None:
        self.stores = stores

    def _holder(self, content_hash: str) -> FileBlobStore | None:
        return next((files for _, files in self.stores.all() if files.exists(content_hash)),
                    None)

    def path(self, content_hash: str) -> str:
        holder = self._holder(content_hash) or self.stores.get(LEGACY_STORE)
        return holder.path(content_hash)

    def exists(self, content_hash: str) -> bool:
        return self._holder(content_hash) is not None

    def check_format(self, content_hash: str, disk_format: str) -> None:
        holder = self._holder(content_hash) or self.stores.get(LEGACY_STORE)
        holder.check_format(content_hash, disk_format)

    def put_file(self, name: str, fill: Callable[[Path], None]) -> StoredBlob:
        return self.stores.get(LEGACY_STORE).put_file(name, fill)
