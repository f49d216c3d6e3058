"""Concurrent boots in ONE process queue on their project's quota ledger and their host's node
(domain/commands.py WriteLocks) instead of racing to version conflicts: every save succeeds at
its first attempt, and the ledgers still add up. (Between processes the version check decides;
tests/integration/compute/test_claim_races.py covers that.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from adapters.persistence import Database
from domain.app import SkyLedger
from domain.catalog.flavor import Flavor
from domain.catalog.image import Image
from domain.compute.node import ComputeNode, node_id
from domain.context import RequestContext
from domain.quota.ledger import QuotaLedger, ledger_id
from domain.services.compute.boot import BootRequest, BootService
from domain.services.compute.hosts import HostRegistration, HostService
from domain.services.quotas import QuotaService
from projections.capacity import HostCapacities
from tests.integration.races import fire_together

ADMIN = RequestContext(user_id="admin", project_id="admin", roles=("admin",))
THREADS, BOOTS = 12, 48


class CountingApp(SkyLedger):
    """The application, counting the saves the store refused (a version already taken)."""

    conflicts = 0

    def save(self, *aggregates: Any, **kwargs: Any) -> Any:
        try:
            return super().save(*aggregates, **kwargs)
        except IntegrityError:
            CountingApp.conflicts += 1
            raise


@pytest.fixture
def app(database_url: str) -> Iterator[CountingApp]:
    CountingApp.conflicts = 0
    application = CountingApp(env=Database(database_url).event_store_env())
    yield application
    application.close()


def seed(app: SkyLedger, hosts: int) -> str:
    for n in range(hosts):
        HostService(app).register(ADMIN, HostRegistration(f"h{n}", "QEMU", 64, 65536, 1000))
    app.save(Flavor("tiny", "m1.tiny", 512, 1, 1, 0, 0, 1.0, True, None))
    image = Image("cirros", "admin", "public", "qcow2", "bare", 0, 0, False, [], {})
    image.upload(10, "md5", "sha", "hash")
    app.save(image)
    for project in ("p0", "p1", "p2"):
        QuotaService(app).set_limits(ADMIN, project, {"instances": -1, "cores": -1, "ram": -1})
    return str(image.id.hex)


@pytest.mark.parametrize(("projects", "hosts", "subset"), [(1, 1, 1), (3, 2, 2)])
def test_concurrent_boots_of_one_process_never_conflict(
        app: CountingApp, projects: int, hosts: int, subset: int) -> None:
    image = seed(app, hosts)
    boots = BootService(app, HostCapacities(app), host_subset_size=subset)

    def boot(_: object, call: int) -> str:
        ctx = RequestContext(user_id="u", project_id=f"p{call % projects}", roles=("member",))
        boots.boot(ctx, BootRequest(f"vm-{call}", "tiny", image, networks="none"))
        return "booted"

    assert fire_together([None] * THREADS, BOOTS, boot) == {"booted": BOOTS}
    assert CountingApp.conflicts == 0
    ledgers = [app.repository.get(ledger_id(f"p{p}")) for p in range(projects)]
    assert sum(ledger.used("instances") for ledger in ledgers) == BOOTS
    assert all(isinstance(ledger, QuotaLedger) for ledger in ledgers)
    nodes: list[ComputeNode] = [app.repository.get(node_id(f"h{n}")) for n in range(hosts)]
    assert sum(len(node.claims) for node in nodes) == BOOTS
