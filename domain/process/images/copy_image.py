"""copy-image in the image import process manager (web_download.py's worker hands it
`StoredImage.CopyStarted`): each store still to copy for the task is copied into and recorded
(domain/services/image_copies.py). Level-triggered: the image says which stores are still
waiting, so a replay after a crash copies only those, and records nothing twice; and each
store of the import the image does not hold is tidied of its file, so a failed import's
reverted copies go even when a crash came between the revert and their removal."""

from __future__ import annotations

import logging

from domain.catalog.image_stores import StoredImage
from domain.context import RequestContext
from domain.errors import InvalidInput
from domain.process.effects import recording
from domain.services.image_copies import CopyMismatch, FilesOf, ImageCopyService

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
                except (OSError, InvalidInput, CopyMismatch) as error:
                    # An unwritable or unknown store, or damaged source data.
                    reason = str(error) or type(error).__name__
                    log.warning("copy of image %s into store %s failed: %s", image.id, store,
                                reason)
                    reverted = self.copies.failed(acting, image.id, event.task_id, store,
                                                  reason)
                    if reverted:
                        log.warning("image %s: copies into %s reverted", image.id,
                                    ", ".join(reverted))
            done = True
        self.copies.tidy(event.originator_id, event.stores, self.files_of)
        return done
