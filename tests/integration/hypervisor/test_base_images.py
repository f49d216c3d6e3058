"""The host's image cache (adapters/hypervisor/base_images.py) on real files: a hard link to
the store's file on the same filesystem, a whole copy from another one, the same base on a
retry or when spawns race, and the data kept when the store unlinks its file."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.hypervisor.base_images import cached_base

CONTENT_HASH = "ab" * 32


@pytest.fixture
def other_filesystem(tmp_path: Path) -> Iterator[Path]:
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no directory on another filesystem than the test's")
    with tempfile.TemporaryDirectory(dir=shm, prefix="skyledger-base-") as directory:
        yield Path(directory)


def store_file(directory: Path, data: bytes) -> Path:
    path = directory / "images" / CONTENT_HASH[:2] / CONTENT_HASH
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    return path


def test_a_base_on_the_same_filesystem_is_a_link_that_keeps_the_data(tmp_path: Path) -> None:
    image = store_file(tmp_path, b"image bytes")
    base = cached_base(image, tmp_path / "_base")
    assert base == tmp_path / "_base" / CONTENT_HASH
    assert os.path.samefile(base, image)
    assert cached_base(image, tmp_path / "_base") == base  # a retried spawn
    image.unlink()  # the image deleted
    assert base.read_bytes() == b"image bytes"


def test_a_base_on_another_filesystem_is_a_whole_copy(tmp_path: Path,
                                                      other_filesystem: Path) -> None:
    data = os.urandom(3 << 20)
    image = store_file(other_filesystem, data)
    base = cached_base(image, tmp_path / "_base")
    assert not os.path.samefile(base, image)
    assert base.read_bytes() == data
    assert os.listdir(tmp_path / "_base") == [CONTENT_HASH]  # no partial copy left


def test_racing_spawns_make_one_base(tmp_path: Path, other_filesystem: Path) -> None:
    data = os.urandom(8 << 20)
    images = [store_file(other_filesystem, data), store_file(tmp_path, data)]
    start = threading.Barrier(8)
    made: list[Path] = []

    def spawn(image: Path) -> None:
        start.wait()
        made.append(cached_base(image, tmp_path / "_base"))

    threads = [threading.Thread(target=spawn, args=(images[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert made == [tmp_path / "_base" / CONTENT_HASH] * 8
    assert (tmp_path / "_base" / CONTENT_HASH).read_bytes() == data
    assert os.listdir(tmp_path / "_base") == [CONTENT_HASH]


def test_an_image_named_otherwise_is_keyed_by_its_path(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "base.qcow2").write_bytes(b"a")
    (tmp_path / "b" / "base.qcow2").write_bytes(b"b")
    first = cached_base(tmp_path / "a" / "base.qcow2", tmp_path / "_base")
    second = cached_base(tmp_path / "b" / "base.qcow2", tmp_path / "_base")
    assert (first.read_bytes(), second.read_bytes()) == (b"a", b"b")
