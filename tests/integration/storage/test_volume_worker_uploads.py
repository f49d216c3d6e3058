"""os-volume_upload_image through the volume worker, on both event stores: the volume's data is
written into the image store in the image's disk format (qemu-img reads it back as such), the
image becomes active with it in the save that returns the volume to available; a copy that
fails deletes the image and returns the volume all the same. The backend's export itself, with
a volume's real bytes on qemu:///system, is test_volume_backend.py's."""

from __future__ import annotations

import json
import subprocess

import pytest

from domain.errors import InvalidInput
from domain.services.storage.uploads import UploadRequest
from domain.storage.backends import GIB
from domain.storage.volume_states import VolumeStatus
from projections.user_messages import UserMessageViews
from tests.integration.storage.volume_worker_rig import USER, Rig


def test_an_upload_stores_the_volume_as_an_image(rig: Rig) -> None:
    worker = rig.worker()
    volume_id = rig.create(size=1)
    worker.catch_up()
    volume, image = rig.cloud.volumes.upload_to_image(
        USER, volume_id, UploadRequest("from-volume", disk_format="qcow2"))
    assert (volume.status, image.status, image.owner) == (VolumeStatus.UPLOADING, "queued",
                                                          "p1")
    with pytest.raises(InvalidInput, match="must be available"):  # one upload at a time
        rig.cloud.volumes.upload_to_image(USER, volume_id, UploadRequest("again"))
    assert worker.catch_up() == 1
    assert rig.volume(volume_id).status is VolumeStatus.AVAILABLE
    stored = rig.cloud.images.get(USER, image.id)
    assert stored.status == "active" and stored.content_hash
    facts = json.loads(subprocess.run(
        ["qemu-img", "info", "--output=json", rig.cloud.blobs.path(stored.content_hash)],
        check=True, capture_output=True, text=True).stdout)
    assert (facts["format"], facts["virtual-size"]) == ("qcow2", GIB)
    assert rig.events(volume_id)[-2:] == ["UploadRequested", "Uploaded"]
    assert worker.catch_up() == 0  # a replay finds nothing to do


def test_a_failed_upload_deletes_the_image(rig: Rig) -> None:
    worker = rig.worker()
    volume_id = rig.create(size=1)
    worker.catch_up()
    _volume, image = rig.cloud.volumes.upload_to_image(USER, volume_id, UploadRequest("lost"))
    rig.remove_behind_our_back(volume_id)
    worker.catch_up()
    volume = rig.volume(volume_id)
    assert (volume.status, rig.events(volume_id)[-1]) == (VolumeStatus.AVAILABLE,
                                                          "UploadFailed")
    assert volume.fault and str(volume_id) in volume.fault
    assert rig.app.find(image.id).deleted
    rig.cloud.sync_read_models()
    (message,) = UserMessageViews(rig.cloud.store).list("p1")
    assert (message["resource_uuid"], message["event_id"]) == (str(volume_id),
                                                               "VOLUME_VOLUME_003_004")
