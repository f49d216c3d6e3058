"""Compute hosts boot from an image whatever store (Glance's enabled_backends) holds it, as Nova
boots from any location Glance has for an image: here an image that lives only in a store other
than `file`. Workers on libvirt test-driver nodes, SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.compute.states import VmState
from ops.bootstrap import Cloud, build
from tests.support.disk_images import fake_qcow2
from tests.support.fleet import ADMIN, Fleet
from tests.support.settings import make_settings

DATA = fake_qcow2(b"an image kept in the cheap store only")


@pytest.fixture
def fleet(database_url: str, tmp_path: Path) -> Iterator[Fleet]:
    """Stores `file`, `fast` (the default) and `cheap`; a flavor, but no image yet."""
    settings = make_settings(tmp_path / "data", database_url, service_down_time=60.0,
                             image_stores="fast:fast-images,cheap:cheap-images",
                             default_image_store="fast")
    cloud = build(settings, follow=False)
    made = Fleet(cloud, tmp_path)
    cloud.flavors.create(ADMIN, "small", "small", 512, 1, 1, 0)
    yield made
    made.close()
    cloud.close()


def in_cheap_only(cloud: Cloud) -> str:
    image = cloud.images.register(ADMIN, None, "cheap-only", "p-admin", "public", "qcow2",
                                  "bare")
    cloud.image_data.upload(ADMIN, image.id, iter([DATA]), cloud.image_stores.get("cheap"),
                            1 << 30, store="cheap")
    content_hash = hashlib.sha256(DATA).hexdigest()
    held = [sid for sid, files in cloud.image_stores.all() if files.exists(content_hash)]
    assert held == ["cheap"]
    assert cloud.app.repository.get(image.id).stores == ["cheap"]
    return image.id.hex


def test_a_server_boots_from_an_image_only_in_another_store(fleet: Fleet) -> None:
    fleet.add_host("node-1")
    [server] = fleet.boot(image=in_cheap_only(fleet.cloud))
    instance = fleet.wait_until(server, VmState.ACTIVE)
    assert instance.host == "node-1" and fleet.host_of_guest(server) == ["node-1"]
    fleet.check_ledgers()


def test_a_host_reading_only_the_file_store_cannot_boot_it(fleet: Fleet) -> None:
    """What the change is for: a host that looks in `file` only (as every host did before)
    fails the spawn, and the server goes to the host that reads every store."""
    # Equal hosts score equally and the scheduler then takes names in order: "a-..." first.
    fleet.add_host("a-file-store-only", blobs=fleet.cloud.blobs)
    fleet.add_host("b-every-store")
    [server] = fleet.boot(image=in_cheap_only(fleet.cloud))
    instance = fleet.wait_until(server, VmState.ACTIVE)
    assert (instance.host, instance.tried_hosts) == ("b-every-store", ["a-file-store-only"])
    events: list[Any] = list(fleet.cloud.app.repository.event_store.get(server))
    [failed] = [e for e in events if type(e).__name__ == "SpawnFailed"]
    assert "not available on host a-file-store-only" in failed.reason
