"""The image import process manager (web-download, copy-image) running inside `skyledger
serve`, sharing the API's composition: its event store, read store (for its tracking
position) and image files. Built by ops/embedded.py (start_embedded_image_import)."""

from __future__ import annotations

from adapters.image_stores import ImageStores
from adapters.notify import woken_by_notify
from adapters.positions import ProcessPositions
from adapters.settings import Settings
from adapters.web_source import UrlWebSource
from domain.app import SkyLedger
from domain.process.images.copy_image import CopyImages
from domain.process.images.web_download import ImageImportWorker, ImportWorkerConfig
from domain.services.image_web_download import WebDownloadService
from ops.process_threads import RunningLoop
from ops.roles.pacing import paced
from projections.store import ReadStore


class ImageImportHost(RunningLoop):
    role = "image import worker"


def assemble_image_import(settings: Settings, app: SkyLedger, store: ReadStore,
                          stores: ImageStores, downloads: WebDownloadService,
                          copier: CopyImages | None = None) -> ImageImportHost:
    config = ImportWorkerConfig(host=settings.host, max_size=settings.image_size_cap)
    worker = ImageImportWorker(app, downloads, UrlWebSource(settings.import_filter()),
                               stores.get, ProcessPositions(store), config, copier)
    return ImageImportHost(woken_by_notify(paced(worker, settings)))
