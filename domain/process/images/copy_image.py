"""copy-image in the image import process manager (web_download.py's worker hands it
`StoredImage.CopyStarted`): each store still to copy for the task is copied into and recorded
(domain/services/image_copies.py). Level-triggered: the image says which stores are still
waiting, so a replay after a crash copies only those, and records nothing twice."""

from __future__ import annotations

import logging

from domain.catalog.image_stores import StoredImage
from domain.context import RequestContext
from domain.errors import InvalidInput
from domain.process.effects import recording
from domain.services.image_copies import FilesOf, ImageCopyService

log = logging.getLogger(__name__)


class CopyImages:
    def __init__(self, copies: ImageCopyService, files_of: FilesOf) -> None:
        self.copies, self.files_of = copies, files_of

    def handle(self, ctx: RequestContext, event: StoredImage.CopyStarted) -> bool:
        """Copy into each store of the event still waiting; True when anything was done."""
        done = False
        for store in event.stores:
            image = self.copies.waiting(event.originator_id, event.task_id, store)
            if image is None:
                continue
            with recording(ctx) as acting:
                try:
                    self.copies.copy(acting, image, event.task_id, store, self.files_of)
                except (OSError, InvalidInput) as error:  # an unreadable or unknown store
                    log.warning("copy of image %s into store %s failed: %s", image.id, store,
                                error)
                    self.copies.copied(acting, image.id, event.task_id, store, False)
            done = True
        return done
