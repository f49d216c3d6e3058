"""Nova 2.81's image pre-caching, done by the compute workers of an aggregate's hosts: each one
prepares the images as a spawn would (the file where that host reads image files, its format
checked again, the file put into the host's own image cache `_base`) and records the result
per image as the host's changes under the request's id. A host outside the aggregate does
nothing. Libvirt test-driver hosts, both event stores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

from adapters.blobs import FileBlobStore
from domain.context import RequestContext
from projections.audit import AuditViews
from tests.support.fleet import Fleet
from tests.support.waiting import wait_for

ADMIN = RequestContext(user_id="admin", project_id="p-admin", roles=("admin",),
                       request_id="req-image-cache")


def cached_by_host(fleet: Fleet) -> dict[str, list[tuple[str, str]]]:
    fleet.cloud.runners["audit"].catch_up()
    found: dict[str, list[tuple[str, str]]] = {}
    for row in AuditViews(fleet.cloud.store).trace("req-image-cache"):
        if row["aggregate_type"] == "HostChange":
            found[row["data"]["host"]] = [(e["action"], e["target"]) for e in row["effects"]]
    return found


def test_the_aggregates_hosts_cache_the_images(fleet: Fleet, tmp_path: Any) -> None:
    fleet.add_host("in-rack")
    fleet.add_host("bare", blobs=FileBlobStore(tmp_path / "bare-images"))  # no image files
    fleet.add_host("elsewhere")
    aggregates = fleet.cloud.aggregates
    rack = aggregates.create(ADMIN, "rack", None)
    aggregates.add_host(ADMIN, rack.id, "in-rack")
    aggregates.add_host(ADMIN, rack.id, "bare")
    gone = "6f0c3bb5-62c7-4f5e-8f3a-4b4f6f0a1e2d"
    aggregates.cache_images(ADMIN, rack.id, [fleet.image, gone])
    done = wait_for(lambda: (lambda f: f if len(f) == 2 else None)(cached_by_host(fleet)),
                    "both hosts of the aggregate to report")
    content_hash = fleet.cloud.app.repository.get(UUID(fleet.image)).content_hash
    # Hard-linked into the host's own image cache: the store is on the same filesystem here.
    assert done == {"in-rack": [("link", content_hash), ("cached", fleet.image),
                                ("failed", gone)],
                    "bare": [("failed", fleet.image), ("failed", gone)]}
    assert "elsewhere" not in cached_by_host(fleet)
    # Into the host's own image cache, where a spawn's root overlay backs onto it.
    base = fleet.hosts["in-rack"].state_dir / "_base" / content_hash
    assert base.read_bytes() == Path(fleet.cloud.blobs.path(content_hash)).read_bytes()
    assert not (fleet.hosts["bare"].state_dir / "_base").exists()
