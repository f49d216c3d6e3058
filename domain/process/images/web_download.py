"""The image import process manager: fetches the URI of each web-download import into the image
store and records the outcome (domain/services/image_web_download.py); copies the data of each
copy-image import into its stores (copy_image.py).

It follows the notification log from a tracked position (key `image-import:<host>`) for
`Image.DownloadStarted`. Level-triggered, as the volume worker is: the event says "look at this
image now", and the image decides (still importing for that task: download). The download is
staged, inspected and stored by its content hash, so a worker killed mid-download replays the
event, fetches again and records once; the position moves past the event only after its outcome
is recorded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from eventsourcing.utils import get_topic

from domain.app import SkyLedger
from domain.backends import BlobTooLarge, DownloadFailed, FormatMismatch
from domain.base import Entity
from domain.catalog.image import Image
from domain.catalog.image_stores import StoredImage
from domain.context import RequestContext
from domain.process.backends import PositionStore, WebSource
from domain.process.effects import recording
from domain.process.images.copy_image import CopyImages
from domain.process.loop import FollowerLoop
from domain.services.image_copies import FilesOf
from domain.services.image_web_download import StoresFailed, WebDownloadService

log = logging.getLogger(__name__)

TOPICS: tuple[str, ...] = (get_topic(Image.DownloadStarted), get_topic(StoredImage.CopyStarted))
# OSError: the `file` store, where the download is staged, could not take it.
REFUSALS = (DownloadFailed, FormatMismatch, BlobTooLarge, StoresFailed, OSError)


@dataclass(frozen=True)
class ImportWorkerConfig:
    host: str
    max_size: int  # Glance's image_size_cap: a download past it fails
    poll_interval: float = 0.2
    batch_size: int = 100

    @property
    def position_name(self) -> str:
        return f"image-import:{self.host}"

    @property
    def user_id(self) -> str:
        return f"image-import:{self.host}"


class ImageImportWorker(FollowerLoop):
    role = "image import worker"
    topics = TOPICS

    def __init__(self, app: SkyLedger, downloads: WebDownloadService, source: WebSource,
                 files_of: FilesOf, positions: PositionStore,
                 config: ImportWorkerConfig, copier: CopyImages | None = None) -> None:
        self.app, self.downloads, self.source, self.files_of = app, downloads, source, files_of
        self.copier = copier
        self.positions, self.config, self.host = positions, config, config.host
        self.position = positions.get(config.position_name)
        super().__init__()

    def handle(self, event: Entity.Event) -> bool:
        if isinstance(event, StoredImage.CopyStarted) and self.copier is not None:
            return self.copier.handle(self.context_of(event), event)
        if not isinstance(event, Image.DownloadStarted):
            return False
        image = self.downloads.waiting(event.originator_id, event.task_id)
        if image is None:  # imported, failed, or deleted: only the last may leave a task open
            return self.downloads.abandon(self.context_of(event), event.originator_id,
                                          event.task_id)
        with recording(self.context_of(event)) as ctx:
            self.carry_out(ctx, image, event.task_id, event.uri)
        return True

    def carry_out(self, ctx: RequestContext, image: Image, task_id: str, uri: str) -> None:
        log.info("host %s: web-download of image %s from %s (%s)", self.host, image.id, uri,
                 ctx.request_id)
        try:
            self.downloads.store(ctx, image, task_id, self.source.chunks(uri), self.files_of,
                                 self.config.max_size)
        except REFUSALS as error:
            reason = str(error) or type(error).__name__
            log.warning("host %s: web-download of image %s failed: %s", self.host, image.id,
                        reason)
            self.downloads.failed(ctx, image.id, task_id, reason)

    def context_of(self, event: Any) -> RequestContext:
        """The worker acts under the request id of the import request."""
        meta = getattr(event, "meta", None) or {}
        return RequestContext(user_id=self.config.user_id, project_id=meta.get("project_id"),
                              request_id=str(meta.get("request_id") or "req-unknown"))

    def run_once(self) -> None:
        self.follow_log()
