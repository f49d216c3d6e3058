"""One request for several servers is weighed instance by instance, as Nova does: each after the
claims made for the ones before it (domain/compute/scheduling/pending.py), so equal hosts share
a request when the weighers spread, and one host takes it when they pack."""

from __future__ import annotations

import random
from collections import Counter

from domain.app import SkyLedger
from domain.catalog.flavor import Flavor
from domain.catalog.image import Image
from domain.compute.scheduling.filters import default_filters
from domain.compute.scheduling.host_state import PendingClaim, RequestSpec
from domain.compute.scheduling.scheduler import NaiveScheduler
from domain.compute.scheduling.weighers import Weighted, default_weighers
from domain.context import RequestContext
from domain.services.compute.boot import BootRequest, BootService
from domain.services.compute.hosts import HostRegistration, HostService
from domain.services.quotas import QuotaService
from projections.capacity import HostCapacities

CTX = RequestContext(user_id="u1", project_id="p1", roles=("member",))
ADMIN = RequestContext(user_id="admin", project_id="admin", roles=("admin",))


def cloud(sizes: list[tuple[int, int]], weighers: list[Weighted] | None = None,
          ) -> tuple[HostCapacities, BootService, str]:
    """Hosts h0, h1, … of the given (vcpus, memory MiB), a 1-vCPU/512 MiB flavor "tiny" and an
    image; the project's quota unlimited."""
    app = SkyLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    view = HostCapacities(app, weighers)
    for i, (vcpus, memory) in enumerate(sizes):
        HostService(app).register(ADMIN, HostRegistration(f"h{i}", "QEMU", vcpus, memory, 200,
                                                           ram_ratio=1.0))
    app.save(Flavor("tiny", "tiny", 512, 1, 1, 0, 0, 1.0, True, None))
    image = Image("cirros", "p1", "public", "qcow2", "bare", 0, 0, False, [], {})
    image.upload(10, "md5", "sha", "hash")
    app.save(image)
    QuotaService(app).set_limits(ADMIN, "p1", {"instances": -1, "cores": -1, "ram": -1})
    return view, BootService(app, view), image.id.hex


def placed(boots: BootService, image: str, count: int) -> Counter[str | None]:
    request = BootRequest("vm", "tiny", image, networks="none", min_count=count,
                          max_count=count)
    return Counter(i.host for i in boots.boot(CTX, request))


def test_equal_hosts_share_one_request_when_the_weighers_spread() -> None:
    _view, boots, image = cloud([(8, 8192)] * 3)
    assert placed(boots, image, 9) == {"h0": 3, "h1": 3, "h2": 3}


def test_a_larger_host_takes_more_of_one_request() -> None:
    # RAM weigher: free share. h0 (16 GiB) stays ahead of h1 (8 GiB) until half of it is used.
    _view, boots, image = cloud([(16, 16384), (16, 8192)])
    assert placed(boots, image, 12) == {"h0": 8, "h1": 4}


def test_one_host_takes_one_request_when_the_weighers_pack() -> None:
    _view, boots, image = cloud([(8, 8192)] * 3, default_weighers(ram=-1.0))
    assert len(placed(boots, image, 5)) == 1


def test_the_indexed_scheduler_counts_pending_claims_as_the_naive_one_does() -> None:
    rng = random.Random(3)
    view, boots, image = cloud([(rng.choice((4, 8)), rng.choice((4096, 8192)))
                                for _ in range(8)])
    placed(boots, image, 6)
    hosts = view.hosts()
    naive = NaiveScheduler(hosts, default_filters(), default_weighers())
    for n in range(30):
        pending = tuple(PendingClaim(f"h{rng.randrange(8)}", f"p{n}-{k}", 1, 512 * k, 1)
                        for k in range(rng.randrange(1, 6)))
        spec = RequestSpec("probe", "p1", 1, 512, 1, pending=pending)
        assert view.candidates(spec, 8) == naive.candidates(spec, 8)
