"""The capacity view keeps its index sorted as node events arrive.

Boots, deletes and a disabled host change hosts' scores one event at a time; after each command
the view's indexed Scheduler must still propose what NaiveScheduler proposes over the same host
states, and the view's used figures must equal the node aggregates' ledgers.
"""

from __future__ import annotations

import random

from domain.app import SkyLedger
from domain.catalog.flavor import Flavor
from domain.catalog.image import Image
from domain.compute.node import ComputeNode, node_id
from domain.compute.scheduling.filters import default_filters
from domain.compute.scheduling.host_state import RequestSpec
from domain.compute.scheduling.scheduler import NaiveScheduler
from domain.compute.scheduling.weighers import default_weighers
from domain.context import RequestContext
from domain.services.compute.actions import ActionService
from domain.services.compute.boot import BootRequest, BootService
from domain.services.compute.hosts import HostRegistration, HostService
from domain.services.quotas import QuotaService
from projections.capacity import HostCapacities

CTX = RequestContext(user_id="u1", project_id="p1", roles=("member",))
ADMIN = RequestContext(user_id="admin", project_id="admin", roles=("admin",))
FLAVORS = {"tiny": (1, 512, 1), "small": (2, 2048, 10), "large": (4, 8192, 20)}


def cloud(hosts: int) -> tuple[SkyLedger, HostCapacities, BootService, ActionService, str]:
    app = SkyLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    view = HostCapacities(app)
    rng = random.Random(7)
    for i in range(hosts):
        HostService(app).register(ADMIN, HostRegistration(
            f"h{i:02d}", "QEMU", rng.choice((4, 8, 16)), rng.choice((8192, 16384)), 200,
            availability_zone=("az1", "az2")[i % 2], cpu_ratio=rng.choice((1.0, 2.0)),
            ram_ratio=1.0))
    for flavorid, (vcpus, ram, disk) in FLAVORS.items():
        app.save(Flavor(flavorid, flavorid, ram, vcpus, disk, 0, 0, 1.0, True, None))
    image = Image("cirros", "p1", "public", "qcow2", "bare", 0, 0, False, [], {})
    image.upload(10, "md5", "sha", "hash")
    app.save(image)
    QuotaService(app).set_limits(ADMIN, "p1", {"instances": -1, "cores": -1, "ram": -1})
    return app, view, BootService(app, view), ActionService(app, view), image.id.hex


def assert_view_matches(app: SkyLedger, view: HostCapacities, rng: random.Random) -> None:
    hosts = view.hosts()
    naive = NaiveScheduler(hosts, default_filters(), default_weighers())
    for _ in range(10):
        vcpus, ram, disk = rng.choice(list(FLAVORS.values()))
        request = RequestSpec("probe", "p1", vcpus, ram, disk,
                              availability_zone=rng.choice((None, "az1", "az2")))
        assert view.candidates(request, 10) == naive.candidates(request, 10)
    for name, state in hosts.items():
        node: ComputeNode = app.repository.get(node_id(name))
        used = node.used()
        assert (state.used_vcpus, state.used_ram, state.used_disk) == (
            used["vcpus"], used["ram"], used["disk"]), name
        assert state.instances == {key.split(":")[0] for key in node.claims}
        assert state.enabled == node.enabled


def test_view_index_stays_sorted_through_boots_deletes_and_disables() -> None:
    app, view, boots, actions, image = cloud(hosts=12)
    rng = random.Random(42)
    live: list[str] = []
    for _ in range(80):
        roll = rng.random()
        if roll < 0.6 or not live:
            request = BootRequest("vm", rng.choice(list(FLAVORS)), image,
                                  availability_zone=rng.choice((None, "az1", "az2")),
                                  max_count=rng.choice((1, 1, 3)))
            live += [i.id.hex for i in boots.boot(CTX, request)]
        elif roll < 0.95:
            # Local delete (host down): the claims are released at once.
            actions.delete(CTX, live.pop(rng.randrange(len(live))), host_is_up=False)
        else:
            name = f"h{rng.randrange(12):02d}"
            hosts = HostService(app)
            if hosts.node(name).enabled:
                hosts.disable(ADMIN, name, "maintenance")
            else:
                hosts.enable(ADMIN, name)
        assert_view_matches(app, view, rng)
    assert any(state.used_vcpus for state in view.hosts().values())
