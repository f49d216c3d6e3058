"""Glance's import filter (domain/catalog/import_filter.py) and the image's web-download
states (domain/catalog/image.py)."""

from __future__ import annotations

import pytest

from domain.catalog.image import Image
from domain.catalog.import_filter import ImportFilter
from domain.errors import InvalidInput, InvalidState

DEFAULTS = ImportFilter()


@pytest.mark.parametrize(("uri", "passes"), [
    ("http://images.example/cirros.img", True),
    ("https://images.example:443/cirros.img", True),
    ("http://127.0.0.5/cirros.img", True),
    ("http://[::1]:80/x", True),
    ("ftp://images.example/cirros.img", False),
    ("file:///etc/passwd", False),
    ("http://images.example:8080/x", False),
    ("http://images.example:99999/x", False),
    ("http://2130706433/x", False),  # 127.0.0.1 as one number
    ("http://0x7f000001/x", False),
    ("http://0177.0.0.1/x", False),
    ("http:///x", False),
    ("", False),
])
def test_the_defaults_are_glances(uri: str, passes: bool) -> None:
    assert DEFAULTS.passes(uri) is passes


def test_an_allowed_list_wins_over_its_disallowed_list() -> None:
    only = ImportFilter(allowed_hosts=("127.0.0.5",), disallowed_hosts=("127.0.0.5",))
    assert only.passes("http://127.0.0.5/x") and not only.passes("http://127.0.0.6/x")
    banned = ImportFilter(disallowed_hosts=("169.254.169.254", "metadata.internal"))
    assert not banned.passes("http://169.254.169.254/latest")
    assert not banned.passes("http://METADATA.internal/x")
    assert banned.passes("http://images.example/x")
    ports = ImportFilter(allowed_ports=(), disallowed_ports=(22,))
    assert ports.passes("http://h:8080/x") and not ports.passes("http://h:22/x")
    schemes = ImportFilter(allowed_schemes=(), disallowed_schemes=("http",))
    assert schemes.passes("https://h/x") and not schemes.passes("http://h/x")
    with pytest.raises(InvalidInput, match="does not pass filtering"):
        DEFAULTS.check("gopher://h/x")


def image(disk_format: str | None = "qcow2") -> Image:
    return Image("i", "p", "private", disk_format, "bare", 0, 0, False, [], {})


def test_a_download_takes_the_import_lock_and_gives_it_back() -> None:
    done = image()
    done.start_download("t1", "http://h/x", "file")
    assert done.status == "importing" and done.downloading("t1")
    assert done.properties["os_glance_import_task"] == "t1"
    with pytest.raises(InvalidState):
        done.start_download("t2", "http://h/x", "file")
    with pytest.raises(InvalidState):
        done.finish_download("t2", {}, ["file"], [])
    done.finish_download("t1", {"size": 3, "checksum": "c", "sha512": "s", "content_hash": "h"},
                         ["file"], [])
    assert (done.status, done.size, done.content_hash, done.stores) == (
        "active", 3, "h", ["file"])
    assert done.properties == {"os_glance_importing_to_stores": "",
                               "os_glance_failed_import": ""}
    failed = image()
    failed.start_download("t1", "http://h/x", "file")
    failed.fail_download("t1", "404")
    assert failed.status == "queued" and not failed.downloading("t1")
    assert failed.properties == {"os_glance_importing_to_stores": "",
                                 "os_glance_failed_import": "file"}
    failed.start_download("t3", "http://h/x", "file")  # queued again: another try
    assert failed.properties["os_glance_failed_import"] == ""


def test_an_image_without_formats_cannot_be_downloaded_into() -> None:
    with pytest.raises(InvalidInput):
        image(None).start_download("t1", "http://h/x", "file")
