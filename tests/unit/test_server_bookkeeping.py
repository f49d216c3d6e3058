"""Boot, rebuild and update each record their bookkeeping in ONE save, and the metadata_items
quota is enforced by the command, on the project's ledger, wherever metadata is set."""

from __future__ import annotations

from typing import Any

import pytest

from domain.app import SkyLedger
from domain.catalog.flavor import Flavor
from domain.catalog.image import Image
from domain.compute.instance import Instance
from domain.context import RequestContext
from domain.quota.ledger import MetadataLimitExceeded
from domain.services.compute.actions import ActionService
from domain.services.compute.boot import BootRequest, BootService
from domain.services.compute.hosts import HostRegistration, HostService
from domain.services.compute.outcomes import OutcomeService
from domain.services.quotas import QuotaService
from projections.capacity import HostCapacities

CTX = RequestContext(user_id="u1", project_id="p1", roles=("member", "reader"))


class Cloud:
    def __init__(self) -> None:
        self.app = SkyLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        view = HostCapacities(self.app)
        self.boots, self.actions = BootService(self.app, view), ActionService(self.app, view)
        HostService(self.app).register(CTX, HostRegistration("h1", "QEMU", 4, 4096, 100))
        self.app.save(Flavor("small", "small", 512, 1, 1, 0, 0, 1.0, True, None))
        image = Image("cirros", "p1", "public", "qcow2", "bare", 0, 0, False, [], {})
        image.upload(10, "md5", "sha", "hash")
        self.app.save(image)
        self.image = image.id.hex
        self.outcomes = OutcomeService(self.app, view)
        self.saved: list[list[str]] = []
        save = self.app.save

        def counted(*aggregates: Any, **kw: Any) -> Any:
            self.saved.append([type(a).__name__ for a in aggregates])
            return save(*aggregates, **kw)

        self.app.save = counted  # type: ignore[method-assign]

    def boot(self, **kw: Any) -> Instance:
        [instance] = self.boots.boot(CTX, BootRequest(name="vm", flavor_ref="small",
                                                      image_ref=self.image, **kw))
        return instance

    def instance_saves(self) -> int:
        """How many saves since the last call held an instance."""
        count = sum(1 for saved in self.saved if "Instance" in saved)
        self.saved.clear()
        return count

    def limit_metadata(self, allowed: int) -> None:
        QuotaService(self.app).set_limits(CTX, "p1", {"metadata_items": allowed})


def test_a_boot_with_a_description_and_access_ips_is_one_save() -> None:
    cloud = Cloud()
    details = {"description": "web tier", "access_ip_v4": "192.0.2.1"}
    instance = cloud.boot(details=details)
    assert cloud.instance_saves() == 1
    events = [type(e).__name__ for e in cloud.app.events.get(instance.id)]
    assert events == ["Requested", "HostClaimed", "Updated"]
    loaded = cloud.app.repository.get(instance.id)
    assert (loaded.description, loaded.access_ip_v4) == ("web tier", "192.0.2.1")


def test_too_much_metadata_at_boot_is_refused_before_anything_is_claimed() -> None:
    cloud = Cloud()
    with pytest.raises(MetadataLimitExceeded, match="^Maximum number of metadata items exceeds"
                                                     " 128$"):
        cloud.boot(metadata={f"k{i}": "v" for i in range(129)})
    cloud.limit_metadata(-1)
    assert len(cloud.boot(metadata={f"k{i}": "v" for i in range(129)}).metadata) == 129


def test_a_rebuild_that_renames_is_one_save_and_checks_the_metadata_quota() -> None:
    cloud = Cloud()
    instance = cloud.boot()
    cloud.outcomes.spawned(CTX, instance.id, "h1")
    cloud.limit_metadata(2)
    with pytest.raises(MetadataLimitExceeded, match="exceeds 2$"):
        cloud.actions.rebuild(CTX, instance.id.hex, cloud.image,
                              {"metadata": {"a": "1", "b": "2", "c": "3"}})
    before = cloud.app.repository.get(instance.id).version
    cloud.instance_saves()
    rebuilt = cloud.actions.rebuild(CTX, instance.id.hex, cloud.image,
                                    {"name": "renamed", "metadata": {"a": "1"}})
    assert cloud.instance_saves() == 1 and rebuilt.name == "renamed"
    events = [type(e).__name__ for e in cloud.app.events.get(instance.id, gt=before)]
    assert events == ["ActionRequested", "Updated"]


def test_a_metadata_update_checks_the_quota() -> None:
    cloud = Cloud()
    instance = cloud.boot()
    cloud.limit_metadata(1)
    with pytest.raises(MetadataLimitExceeded):
        cloud.actions.update(CTX, instance.id.hex, {"metadata": {"a": "1", "b": "2"}})
    assert cloud.actions.update(CTX, instance.id.hex, {"metadata": {"a": "1"}}).metadata == {
        "a": "1"}
