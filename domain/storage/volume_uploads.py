"""A volume's data copied into a new image (Cinder's os-volume_upload_image).

The request saves the queued image with the volume, now uploading; the storage worker copies the
volume's data into the image store and records the file on the image in the same save as the
volume's return to the status it had (`uploaded`). A failed copy deletes the image and returns
the volume all the same, as Cinder's volume manager does. Outcomes name the image, so a replayed
report of an earlier upload never ends a later one. The base of `Volume`
(domain/storage/volume.py).
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Entity
from domain.storage.volume_bookkeeping import VolumeBookkeeping
from domain.storage.volume_states import UPLOADABLE, InvalidVolume, VolumeStatus

S = VolumeStatus


class VolumeUploads(VolumeBookkeeping):
    fault: str | None
    upload: dict[str, Any] | None  # {image_id (hex), previous (status)} while uploading

    def request_upload(self, image_id: str) -> None:
        if self.status not in UPLOADABLE:
            raise InvalidVolume(f"Volume {self.id} status must be "
                                f"{' or '.join(sorted(s.value for s in UPLOADABLE))}")
        self._upload_requested(image_id, self.status.value)

    class UploadRequested(Entity.Event):
        image_id: str
        previous: str

    @event(UploadRequested)
    def _upload_requested(self, image_id: str, previous: str) -> None:
        self.status, self.upload = S.UPLOADING, {"image_id": image_id, "previous": previous}

    def uploading(self, image_id: str) -> bool:
        return self.status is S.UPLOADING and (self.upload or {}).get("image_id") == image_id

    def uploaded(self, image_id: str) -> None:
        if self.uploading(image_id):
            self._uploaded(image_id)

    class Uploaded(Entity.Event):
        image_id: str

    @event(Uploaded)
    def _uploaded(self, image_id: str) -> None:
        self.status, self.upload = S((self.upload or {})["previous"]), None

    def upload_failed(self, image_id: str, reason: str) -> None:
        if self.uploading(image_id):
            self._upload_failed(image_id, reason)

    class UploadFailed(Entity.Event):
        image_id: str
        reason: str

    @event(UploadFailed)
    def _upload_failed(self, image_id: str, reason: str) -> None:
        self.status, self.upload = S((self.upload or {})["previous"]), None
        self.fault = reason
