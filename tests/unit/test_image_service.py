"""Image commands against an in-memory event store and a fake file store: which file an image
holds, and that a file is removed only when no image holds it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

import pytest

from domain.app import SkyLedger
from domain.backends import FormatMismatch, StoredBlob
from domain.catalog.image_file import ImageFile, image_file_id
from domain.context import RequestContext
from domain.errors import InvalidState, NotFound
from domain.services.image_data import ImageDataService
from domain.services.images import ImageService, StagedBlob

A = RequestContext(user_id="u1", project_id="p1", roles=("member", "reader"))
B = RequestContext(user_id="u2", project_id="p2", roles=("member", "reader"))


class FakeFiles:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.staged: dict[str, bytes] = {}

    def stage(self, chunks: Iterator[bytes], max_size: int) -> StagedBlob:
        data = b"".join(chunks)
        digest = hashlib.sha256(data).hexdigest()
        blob = StoredBlob(digest, len(data), hashlib.md5(data).hexdigest(),  # noqa: S324
                          hashlib.sha512(data).hexdigest())
        path = f"tmp-{len(self.staged)}"
        self.staged[path] = data
        return StagedBlob(blob, path)

    def publish(self, staged: StagedBlob) -> None:
        self.files[staged.blob.content_hash] = self.staged.pop(staged.path)

    def discard(self, staged: StagedBlob) -> None:
        self.staged.pop(staged.path, None)

    def remove(self, content_hash: str) -> None:
        self.files.pop(content_hash, None)

    @contextmanager
    def locked(self, content_hash: str) -> Iterator[None]:
        yield


class FakeInspector:
    """Refuses data that starts with b"bad" (the real inspector: adapters/format_inspector.py)."""

    def __init__(self, files: FakeFiles) -> None:
        self.files = files

    def check(self, path: str, disk_format: str) -> None:
        if self.files.staged[path].startswith(b"bad"):
            raise FormatMismatch(f"Image content does not match disk_format {disk_format}")


@pytest.fixture
def service() -> ImageService:
    return ImageService(SkyLedger())


@pytest.fixture
def files() -> FakeFiles:
    return FakeFiles()


@pytest.fixture
def data(service: ImageService, files: FakeFiles) -> ImageDataService:
    return ImageDataService(service.app, service, FakeInspector(files))


def new_image(service: ImageService, ctx: RequestContext = A) -> UUID:
    image_id: UUID = service.register(ctx, None, "img", str(ctx.project_id),
                                      disk_format="raw", container_format="bare").id
    return image_id


def test_upload_holds_the_file_in_the_same_save(
        service: ImageService, data: ImageDataService, files: FakeFiles) -> None:
    image_id = new_image(service)
    image = data.upload(A, image_id, iter([b"ab", b"c"]), files, 100)
    assert (image.status, image.size) == ("active", 3)
    file: ImageFile = service.app.repository.get(image_file_id(str(image.content_hash)))
    assert isinstance(file, ImageFile) and file.holders == [image_id.hex]
    assert list(files.files.values()) == [b"abc"] and files.staged == {}


def test_upload_that_loses_a_race_removes_its_unheld_file(
        service: ImageService, data: ImageDataService, files: FakeFiles) -> None:
    image_id = new_image(service)

    def racing_chunks() -> Iterator[bytes]:
        # While this upload streams, another upload to the same image completes.
        data.upload(A, image_id, iter([b"winner"]), files, 100)
        yield b"loser"

    with pytest.raises(InvalidState):
        data.upload(A, image_id, racing_chunks(), files, 100)
    assert list(files.files.values()) == [b"winner"] and files.staged == {}


def test_shared_file_survives_until_its_last_holder_is_deleted(
        service: ImageService, data: ImageDataService, files: FakeFiles) -> None:
    first, second = new_image(service, A), new_image(service, B)
    data.upload(A, first, iter([b"same"]), files, 100)
    data.upload(B, second, iter([b"same"]), files, 100)
    assert len(files.files) == 1
    service.collect(files, service.delete(A, first) or "")  # the second image still needs it
    assert len(files.files) == 1
    released = service.delete(B, second)
    assert released == hashlib.sha256(b"same").hexdigest()
    service.collect(files, released)
    assert files.files == {}


def test_collect_keeps_a_file_held_again(
        service: ImageService, data: ImageDataService, files: FakeFiles) -> None:
    first, second = new_image(service), new_image(service)
    data.upload(A, first, iter([b"x"]), files, 100)
    released = service.delete(A, first)
    assert released is not None
    data.upload(A, second, iter([b"x"]), files, 100)  # same bytes, held again
    service.collect(files, released)
    assert list(files.files.values()) == [b"x"]


def test_other_projects_private_image_is_not_found(service: ImageService) -> None:
    image_id = new_image(service, A)
    with pytest.raises(NotFound):
        service.get(B, image_id)
    with pytest.raises(NotFound):
        service.delete(B, image_id)


def test_refused_data_kills_the_image_and_keeps_no_file(
        service: ImageService, data: ImageDataService, files: FakeFiles) -> None:
    image_id = new_image(service)
    with pytest.raises(FormatMismatch):
        data.upload(A, image_id, iter([b"bad disk"]), files, 100)
    image = service.get(A, image_id)
    assert image.status == "killed" and image.content_hash is None
    assert files.files == {} and files.staged == {}
    with pytest.raises(InvalidState):  # a killed image takes no more data
        data.upload(A, image_id, iter([b"good"]), files, 100)


def test_stage_then_glance_direct_import_activates_with_a_task(
        service: ImageService, data: ImageDataService, files: FakeFiles) -> None:
    image_id = new_image(service)
    staged = data.stage(A, image_id, iter([b"staged bytes"]), files, 100)
    assert staged.status == "uploading" and staged.size is None
    request = {"method": {"name": "glance-direct"}}
    task = data.import_image(A, image_id, "glance-direct", request)
    image = service.get(A, image_id)
    assert (image.status, image.size, task.status) == ("active", 12, "success")
    assert image.os_hash_value == hashlib.sha512(b"staged bytes").hexdigest()
    assert image.properties["os_glance_failed_import"] == ""
    assert task.task_input["import_req"] == request and task.image_id == image_id.hex
    file: ImageFile = service.app.repository.get(image_file_id(str(image.content_hash)))
    assert file.holders == [image_id.hex]
    with pytest.raises(InvalidState):  # nothing staged any more
        data.import_image(A, image_id, "glance-direct", request)


def test_copy_image_needs_an_active_image(
        service: ImageService, data: ImageDataService, files: FakeFiles) -> None:
    image_id = new_image(service)
    with pytest.raises(InvalidState):
        data.import_image(A, image_id, "copy-image", {"method": {"name": "copy-image"}})
    data.upload(A, image_id, iter([b"x"]), files, 100)
    assert data.import_image(A, image_id, "copy-image", {}).status == "success"


def test_deleting_a_staged_image_releases_its_file(
        service: ImageService, data: ImageDataService, files: FakeFiles) -> None:
    image_id = new_image(service)
    data.stage(A, image_id, iter([b"abc"]), files, 100)
    assert service.delete(A, image_id) == hashlib.sha256(b"abc").hexdigest()
