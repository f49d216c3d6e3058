"""The content-addressed file store on a real filesystem: staging, hashes, size cap, locking."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import pytest

from adapters.blobs import BlobTooLarge, FileBlobStore
from domain.backends import FormatMismatch
from tests.support.disk_images import qcow2_header, tiny_qcow2


def leftovers(root: Path) -> list[Path]:
    return list(root.glob(".upload-*"))


def test_stage_hashes_and_publish_names_by_sha256(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    staged = store.stage(iter([b"hello ", b"world"]), max_size=100)
    data = b"hello world"
    assert staged.blob.size == len(data)
    assert staged.blob.md5 == hashlib.md5(data).hexdigest()  # noqa: S324
    assert staged.blob.sha512 == hashlib.sha512(data).hexdigest()
    assert staged.blob.content_hash == hashlib.sha256(data).hexdigest()
    assert not store.exists(staged.blob.content_hash)
    store.publish(staged)
    store.discard(staged)
    assert Path(store.path(staged.blob.content_hash)).read_bytes() == data
    with store.open(staged.blob.content_hash) as f:
        assert f.read() == data
    assert leftovers(tmp_path) == []


def test_identical_content_is_one_file(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    first = store.put(iter([b"same"]), 100)
    second = store.put(iter([b"sa", b"me"]), 100)
    assert first == second
    assert [p for p in tmp_path.rglob("*") if p.is_file() and p.name != ".lock"] == [
        Path(store.path(first.content_hash))]


def test_too_large_leaves_nothing(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    with pytest.raises(BlobTooLarge):
        store.stage(iter([b"x" * 60, b"x" * 60]), max_size=100)
    assert leftovers(tmp_path) == []
    assert store.stage(iter([b"x" * 100]), max_size=100).blob.size == 100  # the cap itself is fine


def test_failing_stream_leaves_nothing(tmp_path: Path) -> None:
    def broken() -> object:
        yield b"partial"
        raise ConnectionError("client went away")

    with pytest.raises(ConnectionError):
        FileBlobStore(tmp_path).stage(broken(), max_size=100)  # type: ignore[arg-type]
    assert leftovers(tmp_path) == []


def test_remove_is_idempotent(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    blob = store.put(iter([b"gone"]), 100)
    store.remove(blob.content_hash)
    store.remove(blob.content_hash)
    assert not store.exists(blob.content_hash)


def test_lock_excludes_other_threads_for_the_same_hash(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    digest = hashlib.sha256(b"k").hexdigest()
    order: list[str] = []
    entered = threading.Event()

    def holder() -> None:
        with store.locked(digest):
            entered.set()
            time.sleep(0.2)
            order.append("holder done")

    thread = threading.Thread(target=holder)
    thread.start()
    entered.wait()
    with store.locked(digest):
        order.append("waiter in")
    thread.join()
    assert order == ["holder done", "waiter in"]


def test_a_stored_file_is_checked_against_its_disk_format(tmp_path: Path) -> None:
    """What a compute host asks before it boots an image (oslo.utils' inspector, for real)."""
    store = FileBlobStore(tmp_path)
    good = store.put(iter([tiny_qcow2(b"good")]), max_size=1 << 30)
    store.check_format(good.content_hash, "qcow2")
    bad = store.put(iter([qcow2_header(backing_file="/etc/shadow")]), max_size=1 << 30)
    with pytest.raises(FormatMismatch, match="backing_file"):
        store.check_format(bad.content_hash, "qcow2")
    with pytest.raises(FormatMismatch, match="the data is qcow2"):
        store.check_format(good.content_hash, "raw")
