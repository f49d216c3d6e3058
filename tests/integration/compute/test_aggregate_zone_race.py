"""A host is never in two availability zones, however aggregate changes race: two processes
(two applications, each with its own aggregate cache) add the same hosts at the same moment to
aggregates of different zones; for each host exactly one wins, because both saves include the
host's HostZones ledger and the second conflicts, retries and is refused. Both stores."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.persistence import Database
from domain.app import SkyLedger
from domain.compute.host_zones import HostZones, host_zones_id
from domain.context import RequestContext
from domain.errors import DomainError
from domain.services.compute.aggregates import AggregateService
from domain.services.compute.hosts import HostRegistration, HostService
from tests.integration.races import fire_together

ADMIN = RequestContext(user_id="admin", project_id="admin", roles=("admin",))
HOSTS = 12


@pytest.fixture
def apps(database_url: str) -> Iterator[list[SkyLedger]]:
    env = Database(database_url).event_store_env()
    opened = [SkyLedger(env=env), SkyLedger(env=env)]
    yield opened
    for app in opened:
        app.close()


def test_racing_adds_leave_each_host_in_one_zone(apps: list[SkyLedger]) -> None:
    first = apps[0]
    for n in range(HOSTS):
        HostService(first).register(ADMIN, HostRegistration(f"h{n}", "QEMU", 4, 4096, 100))
    zones = {"east": AggregateService(first).create(ADMIN, "east", "az-east").id,
             "west": AggregateService(first).create(ADMIN, "west", "az-west").id}
    services = [AggregateService(app) for app in apps]

    def attempt(service: AggregateService, call: int) -> str:
        side = "east" if call % 2 == 0 else "west"
        try:
            service.add_host(ADMIN, zones[side], f"h{call // 2}")
        except DomainError as refused:
            return type(refused).__name__
        return "added"

    # Thread 0 adds every host to east, thread 1 every host to west, host by host together.
    outcomes = fire_together(services, 2 * HOSTS, attempt)
    assert outcomes == {"added": HOSTS, "ZoneConflict": HOSTS}
    for n in range(HOSTS):
        ledger = first.repository.get(host_zones_id(f"h{n}"))
        assert isinstance(ledger, HostZones) and len(set(ledger.zones.values())) == 1
    members = [set(AggregateService(first).get(zones[s]).hosts) for s in ("east", "west")]
    assert not members[0] & members[1] and len(members[0] | members[1]) == HOSTS
