"""Nova 2.81's image pre-caching (`POST /os-aggregates/{id}/images`), on one host.

The request records `HostAggregate.ImagesCacheRequested` with the aggregate's hosts at that
moment; the worker of each of those hosts prepares every image as a spawn would prepare it:
the image's file is looked up where this host reads image files, its format checked again
as it is before a boot (specs.py), and the file put into the host's own image cache (the
hypervisor's `cache_image`), which a spawn's root overlay then backs onto. What it found is
recorded as the host's changes under the request's id (host_changes.py), one `image-cache`
record per image: `cached` or `failed` with the reason, as Nova's compute manager reports
each image's result. A replay records nothing twice (one HostChange per host and request
event).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from eventsourcing.utils import get_topic

from domain.backends import FormatMismatch
from domain.base import Entity
from domain.compute.backends import HypervisorError
from domain.compute.copies import ImageCopy
from domain.compute.host_aggregate import HostAggregate
from domain.context import RequestContext
from domain.process.backends import ImageFiles
from domain.process.effects import record, recording
from domain.process.host_changes import HostChanges, cause_of

log = logging.getLogger(__name__)

TOPICS: tuple[str, ...] = (get_topic(HostAggregate.ImagesCacheRequested),)


class ImageCacher:
    def __init__(self, changes: HostChanges, files: ImageFiles, host: str, user_id: str,
                 find_image: Callable[[str], ImageCopy | None],
                 cache_image: Callable[[Path], Path]) -> None:
        self.changes, self.files, self.host, self.user_id = changes, files, host, user_id
        self.find_image, self.cache_image = find_image, cache_image

    def handle(self, event: Entity.Event) -> bool:
        if not isinstance(event, HostAggregate.ImagesCacheRequested):
            return False
        if self.host not in event.hosts:
            return False
        meta = getattr(event, "meta", None) or {}
        ctx = RequestContext(user_id=self.user_id, project_id=meta.get("project_id"),
                             request_id=str(meta.get("request_id") or "req-unknown"))
        with recording(ctx) as traced:
            for image_id in event.image_ids:
                self.cache(image_id)
        self.changes.applied(traced, self.host, cause_of(event))
        return True

    def cache(self, image_id: str) -> None:
        failure = self.failure(image_id)
        if failure is None:
            log.info("host %s: image %s cached", self.host, image_id)
            record("image-cache", "cached", image_id)
        else:
            log.warning("host %s: image %s not cached: %s", self.host, image_id, failure)
            record("image-cache", "failed", image_id, reason=failure)

    def failure(self, image_id: str) -> str | None:
        image = self.find_image(image_id)
        if image is None:
            return "no such image"
        content_hash = str(image.get("content_hash") or "")
        if not content_hash or not self.files.exists(content_hash):
            return "its file is not available on this host"
        try:
            self.files.check_format(content_hash, str(image.get("disk_format") or ""))
            self.cache_image(Path(self.files.path(content_hash)))
        except (FormatMismatch, HypervisorError) as refusal:
            return str(refusal)
        return None
