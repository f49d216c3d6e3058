"""Glance's `enabled_backends`: the image stores, each a directory of content-addressed files
(adapters/blobs.py). The `file` store is `<data dir>/images`, where images always were and
where compute hosts read them; `SKYLEDGER_IMAGE_STORES` adds more (`id:directory,...`) and
`SKYLEDGER_DEFAULT_IMAGE_STORE` picks the one uploads go to when they name none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.blobs import CHUNK, FileBlobStore
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
